"""Every cause intent of the real catalog, walked end to end: deep link, slot questions, every step, and
both endings (escalation, resolution). Version-aware placeholders render the right menu path."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.content import load_catalog, step_applies
from bot.engine.steps import escalation

INTENTS = Path(__file__).resolve().parents[2] / "intents"
_SHIPPED = load_catalog(INTENTS)
CAUSES = sorted(i.id for i in _SHIPPED.intents.values() if i.kind == "cause")
RESET_INTENTS = sorted(
    i.id
    for i in _SHIPPED.intents.values()
    if i.kind == "cause" and "ios" in i.needs and any("{reset_menu}" in s.text for s in i.steps)
)


def _answer_questions(talk, catalog, chosen: dict[str, str] | None = None) -> None:
    """Answer every slot question: the value from `chosen`, else the first option."""
    chosen = chosen or {}
    while talk.session.state == "slot":
        slot = talk.session.node
        talk.press(chosen.get(slot, catalog.questions[slot].options[0].value))


@pytest.mark.parametrize("intent_id", CAUSES)
def test_walk_to_escalation(catalog, engine, chat, intent_id):
    """/start <id>, first option to each question, 'not fixed' (or 'next' at a check step) at every step, then
    the escalation."""
    intent = catalog.intents[intent_id]
    talk = chat(engine)
    reply = talk.command("start", intent_id)
    assert catalog.text("intent_start", title=intent.title) in reply.text
    _answer_questions(talk, catalog)
    assert intent.intro in talk.reply.text
    steps = [s for s in intent.steps if step_applies(s, talk.session.slots)]
    assert steps
    for n, step in enumerate(steps, start=1):
        assert talk.session.state == "step"
        assert catalog.text("step_header", n=str(n), total=str(len(steps))) in talk.reply.text
        assert "{" not in talk.reply.text.replace("{}", "")  # every placeholder was filled
        question = catalog.text("check_question" if step.check else "step_question")
        assert talk.reply.text.endswith(question)
        talk.press("next" if step.check else "not_fixed")
    assert catalog.text("steps_exhausted") in talk.reply.text
    # the escalation that fits the evidence (a cable problem with no hardware clue: Apple Support)
    if talk.session.state == "confirm":  # "did I get your problem right?" first
        talk.press("yes")
    assert escalation(catalog, intent, talk.session.facts) in talk.reply.text
    assert talk.kinds().count("step") == len(steps)
    assert talk.kinds()[-1] == "escalated" and talk.outcomes[-1].intent == intent_id
    talk.press("not_helpful")
    assert talk.session.state == "idle"


@pytest.mark.parametrize("intent_id", CAUSES)
def test_fixed_on_step_one_resolves(catalog, engine, chat, intent_id):
    """'fixed' on the first step records a resolution at step 0 and asks for feedback."""
    talk = chat(engine)
    talk.command("start", intent_id)
    _answer_questions(talk, catalog)
    reply = talk.press("fixed")
    assert catalog.text("fixed") in reply.text
    assert [(o.kind, o.intent, o.step) for o in reply.outcomes] == [("step", intent_id, 0), ("resolved", intent_id, 0)]


def test_some_intent_uses_reset_menu():
    """Guards the version tests below: the catalog has an intent whose steps use {reset_menu}."""
    assert RESET_INTENTS


def _transcript_for(catalog, engine, chat, intent_id: str, ios: str) -> str:
    talk = chat(engine)
    talk.command("start", intent_id)
    _answer_questions(talk, catalog, {"ios": ios})
    texts = [talk.reply.text]
    while talk.session.state == "step":
        texts.append(talk.press("next" if "next" in talk.values() else "not_fixed").text)
    return "\n".join(texts)


@pytest.mark.parametrize("intent_id", RESET_INTENTS)
def test_reset_menu_on_old_ios(catalog, engine, chat, intent_id):
    """With iOS 14 or earlier the Reset menu is 'Settings > General > Reset'."""
    assert "Settings > General > Reset" in _transcript_for(catalog, engine, chat, intent_id, "ios14_or_earlier")


@pytest.mark.parametrize("intent_id", RESET_INTENTS)
def test_reset_menu_on_new_ios(catalog, engine, chat, intent_id):
    """With iOS 17 or later the Reset menu goes through 'Transfer or Reset iPhone'."""
    text = _transcript_for(catalog, engine, chat, intent_id, "ios17_plus")
    assert "Transfer or Reset iPhone" in text
    assert "Settings > General > Reset" not in text


def test_deep_link_to_every_category(catalog, engine, chat):
    """/start <category> offers exactly that category's causes, plus 'something else'."""
    for category in {i.category for i in catalog.intents.values() if i.kind == "cause"}:
        talk = chat(engine)
        talk.command("start", category)
        offered = set(talk.values()) - {"else"}
        assert offered == {i.id for i in catalog.intents.values() if i.category == category and i.kind == "cause"}
