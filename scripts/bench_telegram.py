"""Benchmark of the Telegram adapter (not a test): throughput, reply latency, pacing, memory per stored session.

1. Capacity: people talk at once through the fake Bot API (tests/tg/fake_bot_api.py) to the real
   `python -m bot run` process with SEND_RATE_LIMIT=0 (no pacing), and, in the same run on the same fake API,
   to a bare PTB echo bot (concurrent updates, the same 8-connection pool and event loop; it answers each
   text with its own text). Each update gets one message back from either. Reported: updates/s of each,
   their ratio (the issue's bar: at least 0.5), reply latency p50/p99 (from the update being available to
   its reply). The bot process runs alone on one core; the fake Bot API and the people driving it run in this
   process on another. The runs alternate (echo, bot, echo, bot ...); medians are reported.
2. Pacing: the same process with the default SEND_RATE_LIMIT (30): messages sent per second while the
   people keep it busy, which should be Telegram's limit.
3. RSS before and after Store.record of 100k conversations.

The conversation is typed (/start, then option numbers), 9 messages per person: under the flood limit of
10 messages in 10 seconds, so every message is answered.

Run: .venv/bin/python scripts/bench_telegram.py [--runs 3] [--people 50] [--turns 9] [--sessions 100000]
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.engine.model import Session  # noqa: E402  (after the path set-up above)
from bot.storage import Store  # noqa: E402
from tests.tg.fake_bot_api import Call, FakeBotApi  # noqa: E402

TOKEN = "123:bench"
ALL_CORES = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]  # before any pinning
ROUND = ["/start", "1", "1"]  # greeting with the menu, the iCloud menu, the next question: one message each


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def echo_bot(api_url: str) -> None:
    """Child process: a bare PTB echo bot, as fast as PTB goes (the comparison for the bot's capacity)."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    from bot.tg.app import CONNECTION_POOL, use_fast_event_loop

    use_fast_event_loop()
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api_url)
        .concurrent_updates(256)
        .connection_pool_size(CONNECTION_POOL)
        .build()
    )

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, timeout=10, stop_signals=(signal.SIGTERM, signal.SIGINT))


@dataclass(frozen=True)
class Run:
    updates_per_s: float
    p50: float
    p99: float
    sends_per_s: float  # sendMessage calls answered per second, over the run
    cpu_per_update: float  # the bot process's CPU seconds during the run (start-up excluded) per update


def spawn(kind: str, api_url: str, db: Path, core: int, rate: int | None) -> subprocess.Popen[bytes]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "PTB_TIMEDELTA": "1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "BOT_DB": str(db),
        "LOG_LEVEL": "WARNING",
    }
    if rate is not None:
        env["SEND_RATE_LIMIT"] = str(rate)
    command = [sys.executable, __file__, "--echo", api_url] if kind == "echo" else [sys.executable, "-m", "bot", "run"]
    profile = os.environ.get("BENCH_PROFILE")  # a file name: cProfile the bot process into it
    if profile and kind != "echo":
        command = [sys.executable, "-m", "cProfile", "-o", profile, *command[1:]]
    pin = (lambda: os.sched_setaffinity(0, {core})) if hasattr(os, "sched_setaffinity") else None
    return subprocess.Popen(command, cwd=db.parent, env=env, preexec_fn=pin)


Waiting = dict[int, tuple[int, "asyncio.Future[None]"]]  # chat -> (messages to wait for, done when there)


def count_replies(fake: FakeBotApi, loop: asyncio.AbstractEventLoop) -> tuple[Waiting, dict[int, int]]:
    """Count the bot's messages per chat as the fake Bot API answers them; a future put in `waiting` for a
    chat is set once that chat has the given number of messages."""
    waiting: Waiting = {}
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
    return waiting, counts


async def conversations(kind: str, people: int, turns: int, rate: int | None = None) -> Run:
    """One run against a fresh fake Bot API; `kind` is "echo" or "bot" (`python -m bot run`)."""
    fake = FakeBotApi(TOKEN).start()
    loop = asyncio.get_running_loop()
    waiting, counts = count_replies(fake, loop)
    bot_core, own_core = ALL_CORES[0], ALL_CORES[-1]
    if hasattr(os, "sched_setaffinity") and len(ALL_CORES) > 1:
        os.sched_setaffinity(0, {own_core})
    with tempfile.TemporaryDirectory() as tmp:
        child = spawn(kind, fake.api_url, Path(tmp) / "bench.sqlite3", bot_core, rate)
        try:
            await wait_until_polling(fake, child)
            cpu_before = process_cpu(child.pid)
            latencies: list[float] = []

            async def person(user_id: int) -> None:
                for turn in range(turns):
                    future: asyncio.Future[None] = loop.create_future()
                    waiting[user_id] = (counts.get(user_id, 0) + 1, future)
                    began = time.perf_counter()
                    fake.send_text(user_id, ROUND[turn % len(ROUND)])
                    await asyncio.wait_for(future, 60)
                    latencies.append(time.perf_counter() - began)

            began = time.perf_counter()
            await asyncio.gather(*(person(10_000 + i) for i in range(people)))
            elapsed = time.perf_counter() - began
            sends = fake.calls("sendMessage")
            cpu = process_cpu(child.pid) - cpu_before
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=30)
    fake.stop()
    latencies.sort()
    n = len(latencies)
    span = sends[-1].at - sends[0].at if len(sends) > 1 else float("nan")
    run = Run(
        n / elapsed,
        statistics.median(latencies),
        latencies[min(n - 1, int(n * 0.99))],
        (len(sends) - 1) / span,
        cpu / n,
    )
    label = (
        "bare PTB echo bot" if kind == "echo" else f"python -m bot run, SEND_RATE_LIMIT={30 if rate is None else rate}"
    )
    print(
        f"  {label}: {people} people x {turns} = {n} updates in {elapsed:.2f} s: {run.updates_per_s:.0f} updates/s, "
        f"{run.sends_per_s:.1f} messages/s, latency p50 {run.p50 * 1000:.0f} ms, p99 {run.p99 * 1000:.0f} ms; "
        f"its CPU {run.cpu_per_update * 1000:.2f} ms per update",
        flush=True,
    )
    return run


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_until_polling(fake: FakeBotApi, child: subprocess.Popen[bytes]) -> None:
    """The child is ready once it has asked for updates."""
    for _ in range(1200):
        if any(c.method == "getUpdates" for c in fake.calls()):
            return
        if child.poll() is not None:
            raise RuntimeError(f"the bot process exited with {child.returncode}")
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
    parser.add_argument("--people", type=int, default=50, help="people writing at once")
    parser.add_argument("--turns", type=int, default=9, help="messages per person (at most 10: the flood limit)")
    parser.add_argument("--runs", type=int, default=3, help="pairs of runs (echo bot, the bot); medians reported")
    parser.add_argument("--sessions", type=int, default=100_000, help="conversations to store")
    parser.add_argument("--echo", metavar="API_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.echo:
        echo_bot(args.echo)
        return
    print(f"capacity ({'bot alone on one core' if len(ALL_CORES) > 1 else 'one core for all'}):", flush=True)
    echo: list[Run] = []
    ours: list[Run] = []
    for _ in range(args.runs):
        echo.append(asyncio.run(conversations("echo", args.people, args.turns)))
        ours.append(asyncio.run(conversations("bot", args.people, args.turns, rate=0)))
    e = statistics.median(r.updates_per_s for r in echo)
    b = statistics.median(r.updates_per_s for r in ours)
    ratios = [o.updates_per_s / x.updates_per_s for o, x in zip(ours, echo, strict=True)]
    cpu_e = statistics.median(r.cpu_per_update for r in echo)
    cpu_b = statistics.median(r.cpu_per_update for r in ours)
    print(
        f"median of {args.runs}: bare PTB echo bot {e:.0f} updates/s, the bot with SEND_RATE_LIMIT=0 {b:.0f} "
        f"updates/s (p50 {statistics.median(r.p50 for r in ours) * 1000:.0f} ms, "
        f"p99 {statistics.median(r.p99 for r in ours) * 1000:.0f} ms): "
        f"ratio {statistics.median(ratios):.2f} (runs {', '.join(f'{r:.2f}' for r in ratios)}); "
        f"CPU per update {cpu_e * 1000:.2f} ms (echo) and {cpu_b * 1000:.2f} ms (bot): ratio {cpu_e / cpu_b:.2f}"
    )
    print("pacing (default SEND_RATE_LIMIT, Telegram's 30 messages/s):", flush=True)
    paced = asyncio.run(conversations("bot", 100, 6, rate=None))
    print(f"  kept {paced.sends_per_s:.1f} messages/s going out (limit 30)")
    stored_sessions(args.sessions)


if __name__ == "__main__":
    main()
