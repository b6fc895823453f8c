"""A check-in scheduled before `kill -9` arrives once after the restart: the real `python -m bot run` process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.config import DEFAULT_INTENTS
from bot.engine.content import load_catalog
from tests.tg.conftest import TOKEN
from tests.tg.fake_bot_api import FakeBotApi
from tests.tg.test_process import ROOT, _integrity, _wait

PERSON = 21
MINUTES = 0.05  # 3 s
SLOW = "icloud backup works at home but never at work"  # restricted_network
IOS = "iOS 17 or later (including iOS 26)"


def _start(fake: FakeBotApi, db_path: Path) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.api_url,
        "BOT_DB": str(db_path),
        "BOT_INTENTS": str(DEFAULT_INTENTS.resolve()),
        "CHECKIN_MINUTES": str(MINUTES),
        "PTB_TIMEDELTA": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=db_path.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.kill()
    process.communicate(timeout=10)


def test_a_check_in_scheduled_before_kill_9_arrives_once_after_restarts(fake: FakeBotApi, tmp_path: Path) -> None:
    question = load_catalog(DEFAULT_INTENTS).text("checkin_question")
    db_path = tmp_path / "bot.sqlite3"
    asked = lambda: [p["text"] for p in fake.sent(PERSON)].count(question)  # noqa: E731  # read at each wait
    process = _start(fake, db_path)
    try:
        _wait(lambda: fake.calls("setMyCommands"), 20, "start-up")
        fake.send_text(PERSON, SLOW)
        _wait(lambda: len(fake.sent(PERSON)) >= 1, 20, "the iOS question")
        fake.press_label(PERSON, PERSON, IOS)
        _wait(lambda: len(fake.sent(PERSON)) >= 2, 20, "the first step")
        fake.press_label(PERSON, PERSON, "Check back with me")
        _wait(lambda: len(fake.sent(PERSON)) >= 3, 20, "the check-in promised")
        _kill(process)  # kill -9 with the check-in stored and its job armed in memory only
        scheduled_at = time.monotonic()
        assert asked() == 0 and _integrity(db_path) == "ok"
        time.sleep(max(0.0, MINUTES * 60 + 0.5 - (time.monotonic() - scheduled_at)))
        process = _start(fake, db_path)  # it was due while the bot was down: sent once at start
        _wait(lambda: asked() == 1, 20, "the check-in after the restart")
        _kill(process)
        process = _start(fake, db_path)  # and never again
        _wait(lambda: len(fake.calls("setMyCommands")) >= 3, 20, "the third start")
        time.sleep(1.5)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert asked() == 1
    assert _integrity(db_path) == "ok"
