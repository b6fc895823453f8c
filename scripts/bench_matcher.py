"""Benchmark: classify latency per message on the shipped catalog, next to naive rapidfuzz WRatio.

Not a test: prints figures. Both matchers see the same messages in the same run, interleaved in rounds, so
machine noise hits both alike; the ratio of medians is the figure to compare. Usage:

    python scripts/bench_matcher.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.engine.content import load_catalog
from bot.engine.matcher import Matcher

ROOT = Path(__file__).resolve().parent.parent


def messages() -> list[str]:
    texts: list[str] = []
    for path in (
        ROOT / "tests" / "golden" / "golden.jsonl",
        ROOT.parent / "shared" / "eval" / "sample.jsonl",
    ):
        if path.is_file():
            texts.extend(
                json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            )
    return texts


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    catalog = load_catalog(ROOT / "intents")
    started = time.perf_counter()
    matcher = Matcher.from_catalog(catalog)
    build = time.perf_counter() - started
    choices = [p for intent in catalog.intents.values() for p in (*intent.phrases, *intent.alerts)]
    texts = messages()
    print(
        f"catalog: {len(catalog.intents)} intents, {len(choices)} phrases; {len(texts)} messages; "
        f"matcher built in {build * 1000:.0f} ms"
    )

    ours_p50, ours_p99, cold_p50, base_p50, base_p99 = [], [], [], [], []
    for _ in range(args.rounds):
        cold: list[float] = []
        for text in texts:  # a fresh correction cache for every message: the worst case
            matcher._corrections.clear()
            t = time.perf_counter()
            matcher.match(text)
            cold.append(time.perf_counter() - t)
        ours: list[float] = []
        for text in texts:
            t = time.perf_counter()
            matcher.match(text)
            ours.append(time.perf_counter() - t)
        base: list[float] = []
        for text in texts:
            t = time.perf_counter()
            process.extractOne(text, choices, scorer=fuzz.WRatio)
            base.append(time.perf_counter() - t)
        ours_p50.append(percentile(ours, 0.5))
        ours_p99.append(percentile(ours, 0.99))
        cold_p50.append(percentile(cold, 0.5))
        base_p50.append(percentile(base, 0.5))
        base_p99.append(percentile(base, 0.99))

    def us(values: list[float]) -> str:
        return f"{statistics.median(values) * 1e6:8.1f} us (rounds: {min(values) * 1e6:.0f}-{max(values) * 1e6:.0f})"

    print(f"ours  p50 {us(ours_p50)}   p99 {us(ours_p99)}")
    print(f"ours, cold typo cache  p50 {us(cold_p50)}")
    print(f"WRatio extractOne  p50 {us(base_p50)}   p99 {us(base_p99)}")
    print(
        f"speed-up (median of per-round p50 ratios): "
        f"{statistics.median(b / o for b, o in zip(base_p50, ours_p50, strict=True)):.1f}x warm, "
        f"{statistics.median(b / o for b, o in zip(base_p50, cold_p50, strict=True)):.1f}x cold"
    )


if __name__ == "__main__":
    main()
