"""Cross-validation of the matcher over the content's own phrases (not a test: prints figures).

Each intent's phrases are split into K folds; the matcher is built without one fold and classifies it.
This measures how well understanding generalises to wording the content does not contain, without touching
the held-out set (tests/holdout/), and is how the matcher's weights were chosen. Usage:

    python scripts/crossval.py                      # per-category accuracy and confusions
    python scripts/crossval.py '{"cutoff": [0.18, 0.2]}'   # try matcher parameters
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine.content import load_catalog  # noqa: E402
from bot.engine.matcher import Matcher  # noqa: E402
from bot.engine.model import Catalog  # noqa: E402

FOLDS = 5


def folds(catalog: Catalog, k: int, seed: int = 7) -> dict[str, list[list[str]]]:
    """Each intent shuffled with its own seed, so adding phrases to one intent leaves the others' folds alone."""
    out = {}
    for intent in catalog.intents.values():
        phrases = list(intent.phrases)
        random.Random(f"{seed}:{intent.id}").shuffle(phrases)
        out[intent.id] = [phrases[i::k] for i in range(k)]
    return out


def run(catalog: Catalog, params: dict[str, Any], k: int = FOLDS) -> dict[str, Counter[str]]:
    """Confusion counts: expected category -> predicted category."""
    split = folds(catalog, k)
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for fold in range(k):
        intents = {
            iid: dataclasses.replace(intent, phrases=tuple(p for j in range(k) if j != fold for p in split[iid][j]))
            for iid, intent in catalog.intents.items()
        }
        matcher = Matcher(dataclasses.replace(catalog, intents=intents), **params)
        for iid, intent in catalog.intents.items():
            for phrase in split[iid][fold]:
                confusion[intent.category][matcher.match(phrase).category] += 1
    return confusion


def summary(confusion: dict[str, Counter[str]]) -> str:
    total = sum(sum(c.values()) for c in confusion.values())
    correct = sum(confusion[c][c] for c in confusion)
    inscope = [c for c in confusion if c != "none"]
    ins_total = sum(sum(confusion[c].values()) for c in inscope)
    ins_correct = sum(confusion[c][c] for c in inscope)
    none = confusion.get("none", Counter())
    rejected = none["none"] / sum(none.values()) if none else 0.0
    return (
        f"accuracy {correct / total:.1%}  in scope {ins_correct / ins_total:.1%}  "
        f"out of scope rejected {rejected:.1%}  ({total} phrases)"
    )


def main() -> None:
    catalog = load_catalog(ROOT / "intents")
    grid: dict[str, list[Any]] = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    if grid:
        keys = list(grid)
        for combo in itertools.product(*(grid[key] for key in keys)):
            params = dict(zip(keys, combo, strict=True))
            print(params, summary(run(catalog, params)), flush=True)
        return
    confusion = run(catalog, {})
    print(summary(confusion))
    for expected in sorted(confusion):
        row = confusion[expected]
        n = sum(row.values())
        worst = ", ".join(f"{c} {k}" for c, k in row.most_common() if c != expected)
        print(f"  {expected:<11} {row[expected] / n:6.1%} of {n:<4} wrong: {worst}")


if __name__ == "__main__":
    main()
