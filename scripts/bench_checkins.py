"""Benchmark of check-ins (not a test): how many check-ins a second the bot sends, with and without Telegram's
limits, when many fall due at once (say, a restart after downtime).

N conversations wait at a step with a check-in stored and already due; the real Application starts against
the fake Bot API (tests/tg/fake_bot_api.py), re-arms them from the database and sends them. Measured: the
time from the first check-in sent to the last, as check-ins/s, under
1. PTB's AIORateLimiter with Telegram's limits as the bot runs (30 messages/s overall, 20/min per group),
2. the limiter lifted: what the bot itself can do (database claim, render, HTTP), one process, one core.
Groups are paced at 20 messages a minute each, so a group's own members get at most 20 check-ins a minute
there; many groups together share the 30/s.

Run: .venv/bin/python scripts/bench_checkins.py [--checkins 600] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram.ext import AIORateLimiter  # noqa: E402  (after the path set-up above)

from bot.config import DEFAULT_INTENTS, Secret, Settings  # noqa: E402
from bot.engine.content import load_catalog  # noqa: E402
from bot.engine.machine import Engine  # noqa: E402
from bot.engine.model import Choice, Session, Text  # noqa: E402
from bot.storage import Store  # noqa: E402
from bot.tg.app import build_application, default_rate_limiter  # noqa: E402
from tests.tg.conftest import start_app, stop_app  # noqa: E402
from tests.tg.fake_bot_api import Call, FakeBotApi  # noqa: E402

SLOW = "icloud backup works at home but never at work"  # restricted_network


def waiting_session(engine: Engine, now: float) -> Session:
    """A conversation at restricted_network's first step (one that offers a check-in)."""
    session, reply = engine.respond(Session(), Text(SLOW), now)
    session, _ = engine.respond(session, Choice(reply.buttons[0].data), now)
    step = engine.pending_step(session)
    assert step is not None and step.checkin
    return session


def prepare(db: Path, engine: Engine, count: int, now: float) -> None:
    store = Store.open(db)
    session = waiting_session(engine, now - 60)
    with store.db.atomic():
        for user_id in range(1, count + 1):
            key = f"tg:{user_id}:0:{user_id}"
            store.sessions.record(key, session, now=now - 60, user_id=user_id, chat_id=user_id)
            store.checkins.add(
                key,
                user_id=user_id,
                chat_id=user_id,
                thread_id=0,
                name="",
                seq=session.seq,
                round=1,
                due=now - 1,
                now=now - 60,
            )
    store.close()


async def one_run(count: int, limited: bool, engine: Engine) -> float:
    """Check-ins/s from the first one sent to the last."""
    fake = FakeBotApi("123:bench").start()
    question = engine.catalog.text("checkin_question")
    times: list[float] = []

    def on_call(call: Call) -> None:
        if call.method == "sendMessage" and call.params.get("text") == question:
            times.append(time.perf_counter())

    fake.on_call = on_call
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        prepare(db, engine, count, time.time())
        settings = Settings(token=Secret("123:bench"), api_url=fake.api_url, db_path=db)
        limiter = default_rate_limiter() if limited else AIORateLimiter(overall_max_rate=0, group_max_rate=0)
        app = build_application(settings, engine.catalog, Store.open(db), rate_limiter=limiter, engine=engine)
        await start_app(app)
        deadline = time.monotonic() + 120
        while len(times) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await stop_app(app)
    fake.stop()
    if len(times) < count:
        raise RuntimeError(f"only {len(times)} of {count} check-ins were sent")
    spread = times[-1] - times[0]
    return (count - 1) / spread if spread > 0 else float("inf")


async def main_async(count: int, runs: int) -> None:
    engine = Engine(load_catalog(DEFAULT_INTENTS))
    for limited, label in ((True, "Telegram's limits (AIORateLimiter 30/s, 20/min per group)"), (False, "no limit")):
        rates = [await one_run(count, limited, engine) for _ in range(runs)]
        print(
            f"{label}: {statistics.median(rates):.1f} check-ins/s "
            f"(median of {runs}; runs {min(rates):.1f}-{max(rates):.1f}; {count} due at once, private chats)"
        )
    print("groups: at most 20 check-ins a minute in any one group (0.33/s); all chats together within 30/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkins", type=int, default=600, help="check-ins due at once")
    parser.add_argument("--runs", type=int, default=3, help="runs per setting; the median is reported")
    args = parser.parse_args()
    asyncio.run(main_async(args.checkins, args.runs))


if __name__ == "__main__":
    main()
