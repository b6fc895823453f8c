"""Retries have deadlines: a long retry_after is not waited for in-line, and SIGTERM during a 429 storm ends
the real process in seconds (systemd's TimeoutStopSec=30s used to kill it after 46 s)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from telegram.error import RetryAfter, TimedOut

from bot.tg import policy as policy_module
from bot.tg.delivery import with_retry
from bot.tg.policy import DeliveryPolicy
from tests.tg.conftest import TOKEN
from tests.tg.fake_bot_api import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_policy(monkeypatch: pytest.MonkeyPatch) -> DeliveryPolicy:
    fresh = DeliveryPolicy()
    monkeypatch.setattr("bot.tg.delivery.policy", fresh)
    return fresh


def _flood(retry_after: float) -> tuple[list[float], object]:
    calls: list[float] = []

    async def call() -> str:
        calls.append(time.monotonic())
        raise RetryAfter(retry_after)  # type: ignore[arg-type]  # seconds, as PTB's request layer passes them

    return calls, call


async def test_a_retry_after_above_the_cap_is_not_waited_for(fresh_policy: DeliveryPolicy) -> None:
    calls, call = _flood(policy_module.MAX_WAIT + 20)
    began = time.monotonic()
    with pytest.raises(RetryAfter):
        await with_retry(call, what="sendMessage")  # type: ignore[arg-type]
    assert len(calls) == 1 and time.monotonic() - began < 1


async def test_shutdown_wakes_a_waiting_retry_and_gives_up(fresh_policy: DeliveryPolicy) -> None:
    calls, call = _flood(policy_module.MAX_WAIT - 1)  # waited for in normal operation
    task = asyncio.create_task(with_retry(call, what="sendMessage"))  # type: ignore[arg-type]
    await asyncio.sleep(0.2)
    assert len(calls) == 1 and not task.done()  # waiting out the 429
    began = time.monotonic()
    fresh_policy.begin_shutdown()
    with pytest.raises(RetryAfter):
        await task
    assert len(calls) == 1 and time.monotonic() - began < 0.5


async def test_the_budget_bounds_the_retries_of_one_call(
    fresh_policy: DeliveryPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policy_module, "BUDGET", 0.3)
    calls: list[float] = []

    async def call() -> str:
        calls.append(time.monotonic())
        raise TimedOut()

    with pytest.raises(TimedOut):
        await with_retry(call, what="sendMessage", attempts=100, first_delay=0.1, max_delay=0.1)
    assert 2 <= len(calls) <= 4 and calls[-1] - calls[0] <= 0.3


def test_sigterm_during_a_429_storm_ends_within_seconds(fake: FakeBotApi, tmp_path: Path) -> None:
    # Every sendMessage answers 429 "retry after 5". 20 people write; once each reply was refused, SIGTERM.
    # The updates already fetched are still handled (every turn stored), the replies given up, exit 0.
    people = range(3000, 3020)
    fake.fail("sendMessage", "429", times=100_000, retry_after=5)
    db = tmp_path / "bot.sqlite3"
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.api_url,
        "BOT_DB": str(db),
        "PTB_TIMEDELTA": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not fake.calls("setMyCommands"):
            assert time.monotonic() < deadline and process.poll() is None, "start-up"
            time.sleep(0.05)
        for user_id in people:
            fake.send_text(user_id, "/start")
        deadline = time.monotonic() + 30
        while len({c.params["chat_id"] for c in fake.calls("sendMessage", ok_only=False)}) < len(people):
            assert time.monotonic() < deadline, "every reply tried"
            time.sleep(0.05)
        began = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=25)  # before the deadlines: about a minute of waiting
        took = time.monotonic() - began
    finally:
        if process.poll() is None:
            process.kill()
    log = out.decode(errors="replace")
    assert process.returncode == 0, log
    assert took < 10, f"{took:.1f} s"
    print(f"shutdown under a 429 storm took {took:.1f} s")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == len(people)
