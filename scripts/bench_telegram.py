"""Benchmark of the Telegram adapter (not a test): throughput and reply latency, and memory per stored session.

1. 50 people talk at once through the fake Bot API (tests/tg/fake_bot_api.py) to the real Application:
   updates/s and reply latency p50/p99 (from the update being available to the turn's last message).
   The bot runs in its own process pinned to one CPU core, as in production; the fake Bot API and the
   people driving it run in this process on another core (with --same-process, everything shares one
   core: a conservative figure that also counts the fake server's HTTP work). Telegram's own send limit
   (~30 messages/s) is lifted, or it alone would be measured.
2. RSS before and after Store.record of 100k conversations.

Run: .venv/bin/python scripts/bench_telegram.py [--turns 30] [--sessions 100000] [--same-process]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram.ext import AIORateLimiter  # noqa: E402  (after the path set-up above)

from bot.config import DEFAULT_INTENTS, Secret, Settings  # noqa: E402
from bot.desk.flood import FloodGate  # noqa: E402
from bot.engine.content import load_catalog  # noqa: E402
from bot.engine.model import Session  # noqa: E402
from bot.storage import Store  # noqa: E402
from bot.tg.app import build_application, use_fast_event_loop  # noqa: E402
from tests.tg.conftest import start_app, stop_app  # noqa: E402
from tests.tg.fake_bot_api import Call, FakeBotApi  # noqa: E402

PEOPLE = 50
ALL_CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]  # before any pinning
# One round of a conversation: (what the person does, messages the bot sends back)
ROUND = [
    ("text", "/start", 1),
    ("press", "iCloud (on the phone, no cable)", 1),
    ("press", "Not enough iCloud storage", 1),
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_application(api_url: str, db: Path) -> tuple[Any, Settings]:
    settings = Settings(token=Secret("123:bench"), api_url=api_url, db_path=db)
    app = build_application(
        settings,
        load_catalog(DEFAULT_INTENTS),
        Store.open(db),
        rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3),
        flood=FloodGate(limit=10**9),
    )
    return app, settings


def serve(api_url: str, db: str, core: int) -> None:
    """Child process: the bot alone on one core, polling the fake Bot API until SIGTERM."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    if not os.environ.get("BENCH_NO_UVLOOP"):
        use_fast_event_loop()  # as `python -m bot run` does
    app, _ = bench_application(api_url, Path(db))
    profile = os.environ.get("BENCH_PROFILE")
    if profile:
        import cProfile

        cProfile.runctx(
            "app.run_polling(poll_interval=0.0, timeout=10, stop_signals=(signal.SIGTERM, signal.SIGINT))",
            globals(),
            {"app": app},
            profile,
        )
        return
    app.run_polling(poll_interval=0.0, timeout=10, stop_signals=(signal.SIGTERM, signal.SIGINT))


async def conversations(turns: int, same_process: bool) -> tuple[float, float, float]:
    """One run; returns (updates/s, p50 latency s, p99 latency s)."""
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
    cores = ALL_CORES
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite3"
        child = None
        if same_process or len(cores) < 2:
            if hasattr(os, "sched_setaffinity"):
                os.sched_setaffinity(0, {cores[0]})
            app, _ = bench_application(fake.api_url, db)
            await start_app(app)
            mode = "bot, fake Bot API and driver share one core"
        else:
            os.sched_setaffinity(0, {cores[1]})
            env = {**os.environ, "PTB_TIMEDELTA": "1"}
            child = subprocess.Popen(
                [sys.executable, __file__, "--serve", fake.api_url, str(db), str(cores[0])], env=env, cwd=ROOT
            )
            await wait_until_polling(fake)
            mode = f"bot alone on core {cores[0]}; fake Bot API and driver on core {cores[1]}"
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
        if child is None:
            await stop_app(app)
        else:
            ticks = os.sysconf("SC_CLK_TCK")
            fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            bot_cpu = (int(fields[11]) + int(fields[12])) / ticks
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=30)
            mode += f"; bot process CPU {bot_cpu:.1f} s (includes start-up)"
    fake.stop()
    print(f"  mode: {mode}")
    print(f"  this process CPU {time.process_time():.1f} s")
    latencies.sort()
    n = len(latencies)
    p50, p99 = statistics.median(latencies), latencies[min(n - 1, int(n * 0.99))]
    print(
        f"  run: {PEOPLE} people x {turns} turns = {n} updates in {elapsed:.2f} s: {n / elapsed:.0f} updates/s, "
        f"reply latency p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
    )
    return n / elapsed, p50, p99


async def wait_until_polling(fake: FakeBotApi) -> None:
    """The child is ready once it has asked for updates."""
    for _ in range(600):
        if any(c.method == "getUpdates" for c in fake.calls()):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the bot process did not start polling")


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
            store.sessions.record(f"tg:{i}:0:{i}", session, now=float(i), user_id=i, chat_id=i)
        elapsed = time.perf_counter() - began
        after = rss_mb()
        store.close()
    print(f"stored conversations: {count} in {elapsed:.1f} s ({count / elapsed:.0f}/s)")
    print(f"  RSS before {before:.1f} MB, after {after:.1f} MB, growth {after - before:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30, help="turns per person")
    parser.add_argument("--sessions", type=int, default=100_000, help="conversations to store")
    parser.add_argument("--runs", type=int, default=5, help="repeat the conversation run; report the median")
    parser.add_argument("--same-process", action="store_true", help="run the bot in this process, one core")
    parser.add_argument("--serve", nargs=3, metavar=("API_URL", "DB", "CORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return
    runs = [asyncio.run(conversations(args.turns, args.same_process)) for _ in range(args.runs)]
    rates, p50s, p99s = zip(*runs, strict=True)
    print(
        f"median of {args.runs} runs: {statistics.median(rates):.0f} updates/s "
        f"(range {min(rates):.0f}-{max(rates):.0f}), "
        f"latency p50 {statistics.median(p50s) * 1000:.0f} ms, p99 {statistics.median(p99s) * 1000:.0f} ms"
    )
    stored_sessions(args.sessions)


if __name__ == "__main__":
    main()
