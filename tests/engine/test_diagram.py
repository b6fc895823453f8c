"""Flow diagrams are generated from the content, and the committed ones are up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.diagram import category_diagram
from bot.engine.model import CATEGORIES

FLOWS = Path(__file__).resolve().parents[2] / "docs" / "flows"


@pytest.mark.parametrize("category", CATEGORIES)
def test_committed_diagram_matches_the_content(catalog, category):
    """docs/flows/CATEGORY.md equals what `python -m bot diagram` writes now (regenerate after content edits)."""
    assert (FLOWS / f"{category}.md").read_text(encoding="utf-8") == category_diagram(catalog, category)


@pytest.mark.parametrize("category", CATEGORIES)
def test_diagram_shows_every_intent_and_step(catalog, category):
    """Every intent of the category appears with each of its steps and its escalation."""
    text = category_diagram(catalog, category)
    assert text.count("```mermaid") == 1
    for intent in (i for i in catalog.intents.values() if i.category == category and i.kind == "cause"):
        assert f"{intent.id}[" in text
        for n in range(1, len(intent.steps) + 1):
            assert f"{intent.id}_s{n}[" in text
        assert f"escalate: {intent.escalation}" in text
