"""The handoff summary built from a session: problem, answers, steps with results, the person's words."""

from __future__ import annotations

from bot.engine.machine import Engine
from bot.engine.model import Choice, Command, HandoffClosed, Session, Text
from bot.engine.summary import RESULT_LABELS, summarise


def _first_cause_with_ios(catalog):
    return next(i for i in catalog.intents.values() if i.kind == "cause" and i.needs == ("ios",))


def test_summary_lists_answers_steps_and_words(catalog):
    """After answering the iOS question and two steps, the summary shows all three and the person's words."""
    intent = _first_cause_with_ios(catalog)
    engine = Engine(catalog)
    session, _ = engine.respond(Session(), Command("start", intent.id), 1.0)
    session, _ = engine.respond(session, Text("1"), 2.0)  # first iOS option
    session, _ = engine.respond(session, Text("no"), 3.0)
    session, _ = engine.respond(session, Text("skip"), 4.0)
    session = session.evolve(words=("my backup keeps failing",))
    summary = summarise(catalog, session)
    assert summary.title == intent.title and summary.category == intent.category
    ios = catalog.questions["ios"]
    assert (ios.text, ios.options[0].label) in summary.answers
    assert [(n, r) for n, _, r in summary.steps] == [(1, RESULT_LABELS["not_fixed"]), (2, RESULT_LABELS["skip"])]
    text = summary.text()
    assert intent.title in text and "my backup keeps failing" in text and ios.options[0].label in text


def test_summary_before_any_diagnosis(catalog):
    """A person who asks for a human straight away still gets a readable summary."""
    summary = summarise(catalog, Session(words=("help me please",)))
    assert summary.steps == () and "none yet" in summary.text()
    assert "help me please" in summary.text()


def test_long_steps_are_shortened(catalog):
    """Step texts are cut to a preview so the summary stays short."""
    intent = max(
        (i for i in catalog.intents.values() if i.kind == "cause" and not i.needs and i.route != "both"),
        key=lambda i: len(i.steps[0].text),
        default=None,
    )
    if intent is None:
        intent = next(i for i in catalog.intents.values() if i.kind == "cause")
    slots = {"route": intent.route} if intent.route != "both" else {}
    summary = summarise(catalog, Session(intent=intent.id, slots=slots, tried=((0, "not_fixed"),)))
    assert summary.steps and len(summary.steps[0][1]) <= 90


def test_handoff_closed_asks_for_feedback(catalog):
    """When the support team closes a case, the person is told and asked for feedback (buttons work)."""
    engine = Engine(catalog, handoff_available=True)
    session, reply = engine.respond(Session(), Command("human"), 1.0)
    assert reply.handoff and session.state == "handoff"
    session, reply = engine.respond(session, HandoffClosed(), 2.0)
    assert catalog.text("handoff_closed") in reply.text and catalog.text("feedback_question") in reply.text
    assert any(o.kind == "handoff" and o.detail == "closed" for o in reply.outcomes)
    helpful = next(b for b in reply.buttons if b.label == catalog.text("opt_helpful"))
    session, reply = engine.respond(session, Choice(helpful.data), 3.0)
    assert any(o.kind == "feedback" and o.detail == "helpful" for o in reply.outcomes)
    assert session.state == "idle"


def test_handoff_closed_cannot_be_typed(catalog):
    """A person typing /handoff_closed gets the help text: no outcome, no feedback question."""
    engine = Engine(catalog, handoff_available=True)
    _, reply = engine.respond(Session(), Command("handoff_closed"), 1.0)
    assert not reply.outcomes and catalog.text("help") in reply.text
