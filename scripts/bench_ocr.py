"""Benchmark of reading screenshots (not a test): per-image latency, the worker's memory, and how fast text
replies stay while images are read.

1. The worker starts and loads the models (timed), then reads the test screenshots (tests/vision/screens.py:
   iOS alerts light and dark, the iCloud Backup screen, Finder, iTunes and Apple Devices dialogs, each as a
   Telegram photo and cropped) for --rounds rounds: latency p50/p95 per image, from `await Reader.read` to
   its answer, and the worker's resident memory (now and at its peak).
2. Text turns through the desk (bot/desk/turn.py `Conversations.handle` on a SQLite store: match, state machine,
   the turn recorded), one due every 20 ms, first alone and then while screenshots go through the same desk as
   picture turns back to back (in the same event loop, as in the bot): reply latency p50/p99 of each, same run.
   The latency counts from when the message was due to its reply, so a blocked or starved loop shows.

Run: .venv/bin/python scripts/bench_ocr.py [--rounds 3] [--threads N] [--nice 10] [--seconds 20]
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

from bot.config import DEFAULT_INTENTS  # noqa: E402  (after the path set-up above)
from bot.desk.pictures import Picture  # noqa: E402
from bot.desk.ports import Where  # noqa: E402
from bot.desk.turn import Conversations  # noqa: E402
from bot.engine.content import load_catalog  # noqa: E402
from bot.engine.machine import Engine  # noqa: E402
from bot.engine.matcher import Matcher  # noqa: E402
from bot.engine.model import Text  # noqa: E402
from bot.storage import Store  # noqa: E402
from bot.vision import available  # noqa: E402
from bot.vision.model import Limits  # noqa: E402
from bot.vision.worker import THREADS, Reader  # noqa: E402
from tests.vision.screens import screens, telegram_photo  # noqa: E402

MESSAGES = [
    "my icloud backup keeps failing",
    "iTunes says the iPhone disconnected",
    "not enough icloud storage",
    "finder backup fails on my mac",
    "/reset",
]
TEXT_EVERY = 0.02  # seconds between text messages


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (Linux): a figure that a busy machine does not inflate."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


async def text_turns(desk: Conversations, stop: asyncio.Event) -> list[float]:
    """Latencies of text turns of 20 people, one due every TEXT_EVERY seconds until `stop`."""
    latencies, due, i = [], time.perf_counter(), 0
    while not stop.is_set():
        due += TEXT_EVERY
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        where = Where(f"bench:{i % 20}", 1000 + i % 20, 1000 + i % 20)
        await desk.handle(where, Text(MESSAGES[i % len(MESSAGES)]), time.time())
        latencies.append(time.perf_counter() - due)
        i += 1
    return latencies


def picture(data: bytes) -> Picture:
    async def fetch() -> bytes:
        return data

    return Picture(fetch, len(data))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=THREADS, help="onnxruntime threads; 0: all cores")
    parser.add_argument("--nice", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each text-latency phase")
    args = parser.parse_args()
    if not available():
        raise SystemExit("the ocr extra is not installed: pip install -e '.[ocr]'")
    catalog = load_catalog(DEFAULT_INTENTS)
    engine = Engine(catalog, Matcher.from_catalog(catalog))
    store = Store.open(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    photos = [telegram_photo(s.image, box) for s in screens() for box in (None, s.crop)]

    reader = Reader(Limits(timeout=120), threads=args.threads or None, nice=args.nice)
    started = time.perf_counter()
    await reader.start()
    print(f"worker ready in {time.perf_counter() - started:.1f} s (threads={args.threads or 'all'}, nice={args.nice})")
    latencies, cpu = [], []
    for _ in range(args.rounds):
        for data in photos:
            started, used = time.perf_counter(), cpu_seconds(reader.pid)
            await reader.read(data)
            latencies.append(time.perf_counter() - started)
            cpu.append(cpu_seconds(reader.pid) - used)
    print(
        f"per image ({len(latencies)} reads of {len(photos)} screenshots): p50 {ms(statistics.median(latencies))}, "
        f"p95 {ms(percentile(latencies, 0.95))}, max {ms(max(latencies))}; "
        f"CPU time per image p50 {ms(statistics.median(cpu))}, p95 {ms(percentile(cpu, 0.95))}"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    rss, peak = reader.rss() or 0, 0
    if reader.pid:
        for line in Path(f"/proc/{reader.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    print(f"worker memory: RSS {rss / 2**20:.0f} MB, peak {peak / 2**20:.0f} MB")

    desk = Conversations(engine, store, reader=reader)
    stop = asyncio.Event()
    alone_task = asyncio.create_task(text_turns(desk, stop))
    await asyncio.sleep(args.seconds)
    stop.set()
    alone = await alone_task

    stop = asyncio.Event()
    busy_task = asyncio.create_task(text_turns(desk, stop))
    deadline, read = time.perf_counter() + args.seconds, 0
    while time.perf_counter() < deadline:
        turn = await desk.handle(Where("bench:pictures", 1, 1), picture(photos[read % len(photos)]), time.time())
        assert turn.reply.messages[0].startswith("I can read"), turn.reply.messages
        read += 1
    stop.set()
    busy = await busy_task
    reader.close()
    store.close()
    print(f"text turns alone: {len(alone)}, p50 {ms(statistics.median(alone))}, p99 {ms(percentile(alone, 0.99))}")
    print(
        f"text turns while {read} images were read: {len(busy)}, p50 {ms(statistics.median(busy))}, "
        f"p99 {ms(percentile(busy, 0.99))}"
    )
    print(f"p99 ratio (with images / alone): {percentile(busy, 0.99) / percentile(alone, 0.99):.2f}x (goal <= 2x)")


if __name__ == "__main__":
    asyncio.run(main())
