"""Benchmark of flood isolation (not a test): private chats' reply latency with and without a group flood.

The real `python -m bot run` on the fake Bot API (tests/tg/fake_bot_api.py), with SEND_RATE_LIMIT=0 so that
the overall pacing (30 messages/s) does not hide what the flood costs; the group limit (20 messages a
minute per group) applies as always. Quiet runs: 10 people in private chats each type 5 messages, one after
another (each waits for its reply). Flood runs: the same, while 20 members of one group have used up the
group's send budget (one mention each) and one member then sends 300 mentions at once. Reported: the private
replies' latency p50/p99 in each, and the flood/quiet ratio. Runs alternate (quiet, flood, ...); medians.

Run: .venv/bin/python scripts/bench_flood.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_telegram import ALL_CORES, TOKEN, count_replies, spawn, wait_until_polling

from tests.tg.fake_bot_api import BOT_USERNAME, FakeBotApi

GROUP = -100_777
PRIVATE = range(20_000, 20_010)
MEMBERS = range(30_000, 30_020)
FLOODER = 30_999
SAID = ["/start", "1", "1", "/start", "1"]


async def one_run(flood: bool) -> list[float]:
    """The private replies' latencies (seconds) in one run against a fresh fake Bot API and bot process."""
    fake = FakeBotApi(TOKEN).start()
    loop = asyncio.get_running_loop()
    waiting, counts = count_replies(fake, loop)
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        child = spawn("bot", fake.api_url, Path(tmp) / "bench.sqlite3", ALL_CORES[0], 0)
        try:
            await wait_until_polling(fake, child)
            if flood:
                for member in MEMBERS:
                    fake.send_text(member, f"@{BOT_USERNAME} my icloud backup fails", chat_id=GROUP)
                while counts.get(GROUP, 0) < len(MEMBERS):  # the group's budget is spent
                    await asyncio.sleep(0.05)
                for _ in range(300):
                    fake.send_text(FLOODER, f"@{BOT_USERNAME} my icloud backup fails", chat_id=GROUP)

            async def person(user_id: int) -> None:
                for text in SAID:
                    future: asyncio.Future[None] = loop.create_future()
                    waiting[user_id] = (counts.get(user_id, 0) + 1, future)
                    began = time.perf_counter()
                    fake.send_text(user_id, text)
                    await asyncio.wait_for(future, 300)
                    latencies.append(time.perf_counter() - began)

            await asyncio.gather(*(person(u) for u in PRIVATE))
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=60)
    fake.stop()
    return sorted(latencies)


def p(latencies: list[float], q: float) -> float:
    return latencies[min(len(latencies) - 1, int(len(latencies) * q))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="pairs of runs (quiet, flood); medians reported")
    args = parser.parse_args()
    quiet: list[list[float]] = []
    flooded: list[list[float]] = []
    for _ in range(args.runs):
        for flood, runs in ((False, quiet), (True, flooded)):
            latencies = asyncio.run(one_run(flood))
            runs.append(latencies)
            label = "with a group flood" if flood else "quiet"
            print(
                f"  {label}: {len(latencies)} private replies, p50 {p(latencies, 0.5) * 1000:.0f} ms, "
                f"p99 {p(latencies, 0.99) * 1000:.0f} ms",
                flush=True,
            )
    q50, q99 = (statistics.median(p(r, q) for r in quiet) for q in (0.5, 0.99))
    f50, f99 = (statistics.median(p(r, q) for r in flooded) for q in (0.5, 0.99))
    print(
        f"median of {args.runs}: quiet p50 {q50 * 1000:.0f} ms / p99 {q99 * 1000:.0f} ms; with a group flood "
        f"p50 {f50 * 1000:.0f} ms / p99 {f99 * 1000:.0f} ms: ratio p50 {f50 / q50:.2f}, p99 {f99 / q99:.2f}"
    )


if __name__ == "__main__":
    main()
