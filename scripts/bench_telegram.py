"""Benchmark of the Telegram adapter (not a test): throughput and reply latency, and memory per stored session.

1. 50 people talk at once through the fake Bot API (tests/tg/fake_bot_api.py) to the real Application:
   updates/s and reply latency p50/p99 (from the update being available to the turn's last message).
   Telegram's own send limit (~30 messages/s) is lifted here, or it alone would be measured; the fake
   server runs in the same process, so its cost is included (a conservative figure).
2. RSS before and after Store.record of 100k conversations.

Run: .venv/bin/python scripts/bench_telegram.py [--turns 20] [--sessions 100000]
Pinned to one CPU core when the OS allows it.
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
from bot.engine.model import Session  # noqa: E402
from bot.storage import Store  # noqa: E402
from bot.tg.app import build_application  # noqa: E402
from bot.tg.flood import FloodGate  # noqa: E402
from tests.tg.conftest import start_app, stop_app  # noqa: E402
from tests.tg.fake_bot_api import Call, FakeBotApi  # noqa: E402

PEOPLE = 50
# One round of a conversation: (what the person does, messages the bot sends back)
ROUND = [
    ("text", "/start", 2),
    ("press", "iCloud (on the phone, no cable)", 1),
    ("press", "Not enough iCloud storage", 1),
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def conversations(turns: int) -> None:
    catalog = load_catalog(DEFAULT_INTENTS)
    fake = FakeBotApi("123:bench").start()
    loop = asyncio.get_running_loop()
    waiting: dict[int, tuple[int, asyncio.Future[None]]] = {}
    counts: dict[int, int] = {}

    def on_call(call: Call) -> None:
        if call.method != "sendMessage":
            return
        chat = int(call.params["chat_id"])

        def bump() -> None:
            counts[chat] = counts.get(chat, 0) + 1
            target = waiting.get(chat)
            if target and counts[chat] >= target[0] and not target[1].done():
                target[1].set_result(None)

        loop.call_soon_threadsafe(bump)

    fake.on_call = on_call
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        settings = Settings(token=Secret(fake.token), api_url=fake.api_url, db_path=db)
        app = build_application(
            settings,
            catalog,
            Store.open(db),
            rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3),
            flood=FloodGate(limit=10**9),
        )
        await start_app(app)
        latencies: list[float] = []

        async def person(user_id: int) -> None:
            for turn in range(turns):
                kind, value, replies = ROUND[turn % len(ROUND)]
                future: asyncio.Future[None] = loop.create_future()
                waiting[user_id] = (counts.get(user_id, 0) + replies, future)
                began = time.perf_counter()
                if kind == "text":
                    fake.send_text(user_id, value)
                else:
                    fake.press_label(user_id, user_id, value)
                await asyncio.wait_for(future, 30)
                latencies.append(time.perf_counter() - began)

        began = time.perf_counter()
        await asyncio.gather(*(person(10_000 + i) for i in range(PEOPLE)))
        elapsed = time.perf_counter() - began
        await stop_app(app)
    fake.stop()
    latencies.sort()
    n = len(latencies)
    print(f"conversations: {PEOPLE} people x {turns} turns = {n} updates in {elapsed:.2f} s")
    print(f"  throughput: {n / elapsed:.0f} updates/s")
    print(
        f"  reply latency: p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[min(n - 1, int(n * 0.99))] * 1000:.1f} ms"
    )


def stored_sessions(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "rss.sqlite3")
        session = Session(
            state="step",
            intent="icloud_full",
            step=2,
            slots={"ios": "ios17_plus", "route": "icloud"},
            seq=7,
            tried=((0, "not_fixed"), (1, "skip")),
            words=("my icloud backup fails",),
            started=1.0,
            last_active=2.0,
        )
        before = rss_mb()
        began = time.perf_counter()
        for i in range(count):
            store.record(f"tg:{i}:0:{i}", session, now=float(i), user_id=i, chat_id=i)
        elapsed = time.perf_counter() - began
        after = rss_mb()
        store.close()
    print(f"stored conversations: {count} in {elapsed:.1f} s ({count / elapsed:.0f}/s)")
    print(f"  RSS before {before:.1f} MB, after {after:.1f} MB, growth {after - before:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30, help="turns per person")
    parser.add_argument("--sessions", type=int, default=100_000, help="conversations to store")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        print("pinned to one CPU core")
    asyncio.run(conversations(args.turns))
    stored_sessions(args.sessions)


if __name__ == "__main__":
    main()
