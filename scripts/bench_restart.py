"""Benchmark of restart drops (not a test): `kill -9` in a burst, then a restart; what each person got.

20 people each send 2 messages at once to the real `python -m bot run` (default pacing) on the fake Bot API
(tests/tg/fake_bot_api.py), which confirms a batch once the next getUpdates asks past it, as Telegram does.
The process is killed with SIGKILL after its 10th reply, restarted on the same database, and given time to
catch up. Reported per run: replies lost (a message of the person's that never got its reply), replies sent
twice, turns stored twice or never (the `turns` table). The expected replies come from a control run that
is never killed. With `--baseline TREE` (a checkout of an earlier commit, e.g. `git worktree add
/tmp/baseline <commit>`) the same runs go against that tree too, alternating; medians are reported.

Run: .venv/bin/python scripts/bench_restart.py [--runs 3] [--baseline /tmp/baseline]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from tests.tg.fake_bot_api import FakeBotApi  # noqa: E402  (after the path set-up above)

TOKEN = "123:restart"
SAID = ("my icloud backup keeps failing", "1")
PEOPLE = 20


@dataclass(frozen=True)
class Outcome:
    lost: int  # replies never received
    twice: int  # replies received more than once
    turns_doubled: int
    turns_missing: int


def start(tree: Path, api_url: str, db: Path) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(tree),
        "PTB_TIMEDELTA": "1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "BOT_DB": str(db),
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=db.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    process.wait(timeout=60)


def texts(fake: FakeBotApi, user_id: int) -> list[str]:
    return [str(p["text"]) for p in fake.sent(user_id)]


def burst(fake: FakeBotApi, people: range) -> None:
    for user_id in people:
        for text in SAID:
            fake.send_text(user_id, text)


def expected_replies(tree: Path) -> list[str]:
    fake = FakeBotApi(TOKEN).start()
    people = range(5000, 5000 + PEOPLE)
    burst(fake, people)
    with tempfile.TemporaryDirectory() as tmp:
        process = start(tree, fake.api_url, Path(tmp) / "control.sqlite3")
        try:
            wait(lambda: all(len(fake.sent(u)) >= len(SAID) for u in people), 60)
            time.sleep(0.5)
        finally:
            stop(process)
    answers = {tuple(texts(fake, u)) for u in people}
    fake.stop()
    if len(answers) != 1:
        raise SystemExit(f"the control run's answers differ between people: {answers}")
    return list(answers.pop())


def matched(expected: list[str], got: list[str]) -> int:
    """How many of the expected replies arrived, in order."""
    rest = iter(got)
    return sum(1 for text in expected if any(text == seen for seen in rest))


def one_run(tree: Path, expected: list[str]) -> Outcome:
    fake = FakeBotApi(TOKEN).start()
    people = range(1000, 1000 + PEOPLE)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bot.sqlite3"
        burst(fake, people)
        process = start(tree, fake.api_url, db)
        try:
            wait(lambda: len(fake.sent()) >= 10, 60)
        finally:
            stop(process, signal.SIGKILL)
        process = start(tree, fake.api_url, db)
        try:  # catch up: everyone answered, or 15 s of trying
            wait(lambda: all(len(fake.sent(u)) >= len(SAID) for u in people), 15)
            time.sleep(1.0)
        finally:
            stop(process)
        with sqlite3.connect(db) as conn:
            turns = dict(conn.execute("SELECT user_id, COUNT(*) FROM turns GROUP BY user_id").fetchall())
    got = {u: texts(fake, u) for u in people}
    fake.stop()
    hits = {u: matched(expected, got[u]) for u in people}
    return Outcome(
        lost=sum(len(expected) - hits[u] for u in people),
        twice=sum(len(got[u]) - hits[u] for u in people),
        turns_doubled=sum(max(0, turns.get(u, 0) - len(SAID)) for u in people),
        turns_missing=sum(max(0, len(SAID) - turns.get(u, 0)) for u in people),
    )


def report(label: str, outcomes: list[Outcome]) -> None:
    median = {f: statistics.median(getattr(o, f) for o in outcomes) for f in Outcome.__dataclass_fields__}
    print(
        f"{label}, median of {len(outcomes)}: replies lost {median['lost']:g} of {PEOPLE * len(SAID)}, "
        f"sent twice {median['twice']:g}, turns doubled {median['turns_doubled']:g}, "
        f"turns missing {median['turns_missing']:g}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit to compare with")
    args = parser.parse_args()
    expected = expected_replies(ROOT)
    trees = [("this tree", ROOT)] + ([("baseline", args.baseline)] if args.baseline else [])
    results: dict[str, list[Outcome]] = {label: [] for label, _ in trees}
    for _ in range(args.runs):
        for label, tree in trees:
            outcome = one_run(tree, expected)
            results[label].append(outcome)
            print(f"  {label}: {outcome}", flush=True)
    for label, outcomes in results.items():
        report(label, outcomes)


if __name__ == "__main__":
    main()
