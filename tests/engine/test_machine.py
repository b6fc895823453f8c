"""The state machine (bot/engine/machine.py), transition by transition, on the tiny fixture catalog so that
content edits cannot make these tests brittle. Expected wording always comes from the catalog."""

from __future__ import annotations

import json
import random

import pytest

from bot.engine.machine import Engine
from bot.engine.model import Choice, Command, Session, Text


@pytest.fixture
def talk(tiny_engine, chat):
    return chat(tiny_engine)


@pytest.fixture
def talk_handoff(tiny, tiny_matcher, chat):
    return chat(Engine(tiny, tiny_matcher, handoff_available=True))


def step_text(tiny, intent_id: str, k: int) -> str:
    return tiny.intents[intent_id].steps[k].text


# ---------------------------------------------------------------- starting a flow


def test_clear_match_starts_the_flow(tiny, talk):
    """A clear description announces the intent and asks its first missing slot question."""
    reply = talk.say("icloud storage is full")
    assert tiny.text("intent_start", title=tiny.intents["icloud_full"].title) in reply.text
    assert reply.messages[-1] == tiny.questions["ios"].text
    assert talk.values() == list(tiny.questions["ios"].values())
    assert (talk.session.state, talk.session.intent, talk.session.node) == ("slot", "icloud_full", "ios")
    assert reply.match and reply.match.intent == "icloud_full"


def test_ambiguous_message_asks_did_you_mean(tiny, talk):
    """Two close intents: 'did you mean' with both candidates plus 'something else'."""
    reply = talk.say("sync stops halfway")
    assert tiny.text("did_you_mean") in reply.text
    assert set(talk.values()) == {"halfway_cable", "halfway_port", "else"}
    assert talk.labels()[-1] == tiny.text("something_else")
    talk.press("halfway_port")
    assert talk.session.intent == "halfway_port"
    assert step_text(tiny, "halfway_port", 0) in talk.reply.text


def test_did_you_mean_something_else_asks_for_more(tiny, talk):
    """'Something else' asks the person to describe the problem and waits for free text."""
    talk.say("sync stops halfway")
    reply = talk.press("else")
    assert reply.text == tiny.text("clarify_free_text")
    assert talk.session.state == "idle" and not reply.buttons


# ---------------------------------------------------------------- slot questions


def test_route_question_asked_when_unknown(tiny, talk):
    """An intent that works both ways asks where the backup goes when the message does not say."""
    reply = talk.say("backup is very slow")
    assert reply.messages[-1] == tiny.questions["route"].text


def test_route_question_skipped_when_message_says_icloud(tiny, talk):
    """'my icloud backup ...' never asks the route: it goes straight to the next question."""
    talk.say("my icloud backup is very slow")
    assert tiny.questions["route"].text not in talk.reply.text
    assert talk.session.node == "ios" and talk.session.slots["route"] == "icloud"


def test_all_questions_skipped_when_answered_up_front(tiny, talk):
    """Route and iOS named in the first message: the first step comes at once."""
    reply = talk.say("my icloud backup is very slow on ios 17")
    assert talk.session.state == "step"
    assert step_text(tiny, "slow_backup", 0) in reply.text
    assert not any(q.text in reply.text for q in tiny.questions.values())


def test_computer_question_skipped_for_finder(tiny, talk):
    """'finder' fills the computer slot, so step 1 renders the Finder text without asking."""
    reply = talk.say("computer disk is full, using finder")
    assert tiny.questions["computer"].text not in reply.text
    assert tiny.placeholders["app"].values["mac_finder"] in reply.text


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("2", "ios15_16"),
        ("iOS 14 or earlier", "ios14_or_earlier"),
        ("ios 17.2", "ios17_plus"),
        ("older", "ios14_or_earlier"),
    ],
)
def test_slot_answer_as_number_label_or_words(talk, answer, value):
    """A question is answered by option number, by its label or by free words."""
    talk.say("icloud storage is full")
    talk.say(answer)
    assert talk.session.slots["ios"] == value
    assert talk.session.state == "step"


def test_slot_answer_by_button(tiny, talk):
    """Pressing an option records the label as chosen and renders the version-dependent step text."""
    talk.say("icloud storage is full")
    reply = talk.press("ios14_or_earlier")
    assert reply.chosen == "iOS 14 or earlier"
    talk.say("no")
    assert tiny.placeholders["reset_menu"].values["ios14_or_earlier"] in talk.reply.text


def test_when_filters_steps_by_slot(tiny, talk):
    """Steps with `when` appear only for their slot values: Windows sees the Windows step, not the Mac one."""
    talk.say("computer disk is full")
    talk.press("win_itunes")
    talk.press("not_fixed")
    assert step_text(tiny, "disk_full", 1) in talk.reply.text
    assert step_text(tiny, "disk_full", 2) not in talk.reply.text
    assert "Step 2 of 2" in talk.reply.text


# ---------------------------------------------------------------- steps


def test_steps_one_at_a_time(tiny, talk):
    """Each step is shown alone with fixed / not fixed / skip; skip and not fixed both move on."""
    talk.command("start", "icloud_full")
    talk.press("ios17_plus")
    steps = tiny.intents["icloud_full"].steps
    assert step_text(tiny, "icloud_full", 0) in talk.reply.text
    assert step_text(tiny, "icloud_full", 1).split("{")[0] not in talk.reply.text
    assert talk.values() == ["fixed", "not_fixed", "skip"]
    assert talk.labels() == [tiny.text("opt_fixed"), tiny.text("opt_not_fixed"), tiny.text("opt_skip")]
    talk.press("skip")
    assert tiny.placeholders["reset_menu"].values["ios17_plus"] in talk.reply.text
    assert f"{tiny.text('warning_prefix')} {steps[1].warning}" in talk.reply.text
    talk.press("not_fixed")
    assert step_text(tiny, "icloud_full", 2) in talk.reply.text
    assert [o.detail for o in talk.outcomes if o.kind == "step"] == ["skip", "not_fixed"]


def test_fixed_wraps_up_and_asks_feedback(tiny, talk):
    """'fixed' counts a resolution, says the wrap-up and asks for feedback; feedback is recorded."""
    talk.command("start", "halfway_cable")
    reply = talk.say("yes it worked")
    assert tiny.text("fixed") in reply.text and tiny.text("feedback_question") in reply.text
    assert talk.values() == ["helpful", "not_helpful"]
    assert ("resolved", "halfway_cable", 0) in [(o.kind, o.intent, o.step) for o in reply.outcomes]
    reply = talk.press("helpful")
    assert reply.text == tiny.text("feedback_thanks")
    assert [(o.kind, o.detail) for o in reply.outcomes] == [("feedback", "helpful")]
    assert talk.session.state == "idle"


def test_steps_exhausted_without_handoff_asks_feedback(tiny, talk):
    """No person available: the escalation text, then the feedback question."""
    talk.command("start", "halfway_cable")
    reply = talk.say("no")
    assert tiny.text("steps_exhausted") in reply.text
    assert tiny.escalations["apple_support"] in reply.text
    assert reply.messages[-1] == tiny.text("feedback_question")
    assert "escalated" in [o.kind for o in reply.outcomes]


def test_steps_exhausted_with_handoff_offers_a_person(tiny, talk_handoff):
    """With a support team connected, the bot offers a person; accepting hands off."""
    talk_handoff.command("start", "halfway_cable")
    reply = talk_handoff.press("not_fixed")
    assert tiny.escalations["apple_support"] in reply.text
    assert reply.messages[-1] == tiny.text("offer_human")
    assert talk_handoff.labels() == [tiny.text("opt_human"), tiny.text("opt_done")]
    reply = talk_handoff.press("human")
    assert reply.handoff and reply.text == tiny.text("human_requested")
    assert talk_handoff.session.state == "handoff"
    assert [o.kind for o in reply.outcomes] == ["handoff"]


def test_declining_a_person_says_goodbye(tiny, talk_handoff):
    """'No thanks' to the offer ends politely without a handoff."""
    talk_handoff.command("start", "halfway_cable")
    talk_handoff.press("not_fixed")
    reply = talk_handoff.press("done")
    assert reply.text == tiny.text("goodbye") and not reply.handoff


def test_the_intents_own_escalation_is_used(tiny, talk):
    """slow_backup escalates to its own escalation text, not the default one."""
    talk.say("my icloud backup is very slow on ios 17")
    talk.say("no")
    reply = talk.say("no")
    if talk.session.state == "confirm":  # "did I get your problem right?" comes first
        reply = talk.press("yes")
    assert tiny.escalations[tiny.intents["slow_backup"].escalation] in reply.text


# ---------------------------------------------------------------- menus, small talk, scope


def test_vague_message_opens_the_triage_menu(tiny, talk):
    """A backup complaint without a cause opens the triage menu, and the menu leads to an intent."""
    reply = talk.say("backup failed")
    assert talk.session.state == "triage"
    assert talk.labels() == [o.label for o in tiny.triage["menu"].options]
    assert reply.messages[-1] == tiny.triage["menu"].text
    talk.press("0")
    assert talk.labels() == [o.label for o in tiny.triage["icloud_menu"].options]
    talk.press("0")
    assert talk.session.intent == "icloud_full" and talk.session.slots["route"] == "icloud"


def test_triage_option_by_words(tiny, talk):
    """At a triage menu, describing an offered problem in words picks that option."""
    talk.command("start", "computer_menu")
    talk.say("computer disk is full")
    assert talk.session.intent == "disk_full"


def test_out_of_scope_says_so_and_shows_the_menu(tiny, talk):
    """Unrelated text: the out-of-scope text, the menu, an out_of_scope outcome."""
    reply = talk.say("the weather is nice today")
    assert tiny.text("out_of_scope") in reply.text and tiny.text("out_of_scope_menu") in reply.text
    assert talk.session.state == "triage"
    assert [o.kind for o in reply.outcomes] == ["out_of_scope"]


def test_known_out_of_scope_topic_gives_its_reply(tiny, talk):
    """An out-of-scope intent answers with its own honest reply, then the menu."""
    reply = talk.say("samsung galaxy android phone")
    assert tiny.intents["android"].reply in reply.text
    assert reply.outcomes[0].intent == "android"


def test_other_language_is_answered_in_english(tiny, talk):
    """A foreign message gets the other-language text and the menu, never a guess."""
    reply = talk.say("Mon iPhone ne fait plus de sauvegarde, je ne sais pas pourquoi")
    assert tiny.text("other_language") in reply.text
    assert talk.session.intent is None


def test_greeting_and_thanks_when_idle(tiny, talk):
    """A greeting gets its reply and the menu; thanks gets its reply and nothing pending."""
    reply = talk.say("good morning")
    assert tiny.intents["greeting"].reply in reply.text and talk.session.state == "triage"
    talk.command("reset")
    talk.press("0")
    talk.press("0")
    talk.press("ios17_plus")
    talk.press("fixed")
    talk.press("helpful")
    reply = talk.say("thank you")
    assert reply.text == tiny.intents["thanks"].reply and talk.session.state == "idle"


def test_greeting_and_thanks_mid_flow_keep_the_question(tiny, talk):
    """Small talk during a question answers it and repeats the pending question."""
    talk.command("start", "disk_full")
    before = talk.session
    reply = talk.say("good morning")
    assert reply.messages[0] == tiny.text("greeting_mid_flow")
    assert reply.messages[-1] == tiny.questions["computer"].text
    reply = talk.say("thanks a lot")
    assert reply.messages[0] == tiny.intents["thanks"].reply
    assert (talk.session.state, talk.session.node, talk.session.seq) == (before.state, before.node, before.seq)


def test_asking_for_a_person_without_a_team(tiny, talk):
    """'talk to a human' with no support team says so and keeps the question open."""
    talk.command("start", "halfway_cable")
    reply = talk.say("talk to a human")
    assert tiny.text("human_unavailable") in reply.text
    assert not reply.handoff and talk.session.state == "step"


def test_topic_switch_mid_flow(tiny, talk):
    """A clear new problem during the steps says so, abandons the old one and starts the new one."""
    talk.command("start", "icloud_full")
    talk.press("ios17_plus")
    reply = talk.say("computer disk is full")
    assert tiny.text("topic_switch", title=tiny.intents["disk_full"].title) in reply.text
    assert talk.session.intent == "disk_full"
    assert ("abandoned", "icloud_full") in [(o.kind, o.intent) for o in reply.outcomes]


# ---------------------------------------------------------------- misunderstandings


def test_unrecognised_answer_reasks_twice_and_keeps_the_diagnosis(tiny, talk):
    """First miss: re-ask the same question; second miss: ask again offering their own words, with the
    diagnosis kept (two unclear answers never throw it away); the counter resets."""
    talk.command("start", "halfway_cable")
    seq = talk.session.seq
    reply = talk.say("purple elephants")
    assert reply.messages[0] == tiny.text("reask")
    assert talk.session.seq == seq and talk.session.misses == 1 and talk.values() == ["fixed", "not_fixed", "skip"]
    reply = talk.say("purple elephants")
    assert reply.messages[0] == tiny.text("reask_keep")
    assert talk.session.state == "step" and talk.session.intent == "halfway_cable" and talk.session.misses == 0


def test_unrecognised_answer_without_a_diagnosis_shows_the_menu(tiny, talk):
    """At a menu below the root, two misses with no problem under way lead back to the main menu."""
    talk.say("sync stops halfway")
    talk.press("else")
    talk.command("start", "menu")
    talk.press("0")
    talk.say("purple elephants")
    reply = talk.say("purple elephants")
    assert reply.messages[0] == tiny.text("reask_menu")
    assert talk.session.state == "triage" and talk.session.intent is None


def test_unrecognised_answers_never_loop(talk):
    """Twenty nonsense answers in a row: every reply offers buttons, reask and menu alternate."""
    talk.command("start", "halfway_cable")
    states = []
    for _ in range(20):
        reply = talk.say("purple elephants")
        assert reply.buttons
        states.append(talk.session.misses)
    assert max(states) <= 1


def test_empty_text(tiny, talk):
    """Whitespace or punctuation only: the empty text, and the pending question stays."""
    talk.command("start", "halfway_cable")
    reply = talk.say("  ?!  ")
    assert reply.messages[0] == tiny.text("empty") and talk.session.state == "step"


# ---------------------------------------------------------------- commands


def test_start_with_intent_payload(tiny, talk):
    """/start <intent id> (a deep link) starts that intent directly."""
    reply = talk.command("start", "halfway_port")
    assert tiny.text("intent_start", title=tiny.intents["halfway_port"].title) in reply.text
    assert talk.session.state == "step"


def test_start_with_category_payload(tiny, talk):
    """/start <category> offers the causes of that category to choose from."""
    talk.command("start", "storage")
    expected = [i.id for i in tiny.intents.values() if i.category == "storage" and i.kind == "cause"]
    assert talk.values() == [*expected, "else"]


def test_start_with_unknown_payload_greets(tiny, talk):
    """/start with nothing or garbage greets and shows the menu."""
    for arg in ("", "no_such_thing", "../../etc"):
        reply = talk.command("start", arg)
        assert reply.messages[0] == tiny.text("greeting")
        assert talk.session.node == "menu"


def test_help_repeats_the_pending_question(tiny, talk):
    """/help shows the help text and then the open question again, same buttons."""
    talk.command("start", "disk_full")
    buttons = talk.reply.buttons
    reply = talk.command("help")
    assert reply.messages[0] == tiny.text("help")
    assert reply.buttons == buttons


def test_reset_abandons_and_shows_menu(tiny, talk):
    """/reset mid-flow counts the conversation as abandoned and starts over at the menu."""
    talk.command("start", "halfway_cable")
    reply = talk.command("reset")
    assert reply.messages[0] == tiny.text("reset")
    assert talk.session.intent is None and talk.session.state == "triage"
    assert [o.kind for o in reply.outcomes] == ["abandoned"]


def test_forget_sets_the_flag_and_clears_the_session(tiny, talk):
    """/forget asks the adapter to delete stored data and leaves a blank session."""
    talk.say("my icloud backup is very slow on ios 17")
    reply = talk.command("forget")
    assert reply.forget and reply.text == tiny.text("forget")
    assert talk.session.intent is None and dict(talk.session.slots) == {} and talk.session.words == ()


# ---------------------------------------------------------------- stale and forged buttons


@pytest.mark.parametrize(
    "data", ["", ":", "garbage", "999:fixed", "1:not_an_option", "x" * 300, "😀:😀", "-1:fixed", "0:fixed"]
)
def test_forged_option_is_stale(tiny, talk, data):
    """Forged or stale callback data: stale text, the same question again, state unchanged."""
    talk.command("start", "halfway_cable")
    before = talk.session
    reply = talk.send(Choice(data))
    assert reply.messages[0] == tiny.text("stale_option")
    after = talk.session
    assert (after.state, after.intent, after.step, after.seq, after.tried) == (
        before.state,
        before.intent,
        before.step,
        before.seq,
        before.tried,
    )
    assert talk.values() == ["fixed", "not_fixed", "skip"]


def test_old_button_after_moving_on_is_stale(tiny, talk):
    """A button from an earlier question no longer acts once the next question is asked."""
    talk.command("start", "icloud_full")
    old = talk.reply.buttons[0].data
    talk.press("ios17_plus")
    step = talk.session.step
    reply = talk.send(Choice(old))
    assert reply.messages[0] == tiny.text("stale_option") and talk.session.step == step


def test_button_when_idle_is_stale(tiny, talk):
    """A button pressed after the conversation ended changes nothing."""
    talk.command("start", "halfway_cable")
    data = talk.reply.buttons[0].data
    talk.command("forget")
    reply = talk.send(Choice(data))
    assert reply.messages[0] == tiny.text("stale_option")


# ---------------------------------------------------------------- sessions


def test_session_expires_after_ttl(tiny, tiny_matcher, chat):
    """After the ttl a pending conversation is abandoned: expired text and a fresh start."""
    talk = chat(Engine(tiny, tiny_matcher, ttl_seconds=3600))
    talk.command("start", "halfway_cable")
    reply = talk.send(Choice(talk.reply.buttons[0].data), after=3601)
    assert reply.messages[0] == tiny.text("expired")
    assert ("abandoned", "halfway_cable") in [(o.kind, o.intent) for o in reply.outcomes]
    assert "resolved" not in [o.kind for o in reply.outcomes]
    assert talk.session.intent is None and talk.session.started == talk.now


def test_session_within_ttl_continues(tiny, tiny_matcher, chat):
    """Just inside the ttl the button still works."""
    talk = chat(Engine(tiny, tiny_matcher, ttl_seconds=3600))
    talk.command("start", "halfway_cable")
    reply = talk.send(Choice(talk.reply.buttons[0].data), after=3599)
    assert tiny.text("fixed") in reply.text


def test_idle_session_expires_silently(tiny, tiny_matcher, chat):
    """An idle conversation past the ttl starts fresh without the expired text."""
    talk = chat(Engine(tiny, tiny_matcher, ttl_seconds=10))
    talk.say("thank you")
    reply = talk.say("good morning", after=100)
    assert tiny.text("expired") not in reply.text and talk.session.started == talk.now


def test_last_active_is_the_callers_clock(talk):
    """The engine stamps the session with the time it was given, not a clock of its own."""
    talk.say("backup failed", after=12.5)
    assert talk.session.last_active == talk.now


def test_session_round_trip(talk):
    """to_dict/from_dict (through JSON, as the store does) gives back an equal session."""
    talk.say("computer disk is full")
    talk.press("win_devices")
    talk.press("skip")
    session = talk.session
    assert session.tried and session.words and session.slots
    assert Session.from_dict(json.loads(json.dumps(session.to_dict()))) == session


def test_session_from_partial_dict():
    """Missing keys fall back to defaults (an older stored row still loads)."""
    assert Session.from_dict({}) == Session()
    assert Session.from_dict({"state": "step", "step": "2"}).step == 2


# ---------------------------------------------------------------- totality


TEXTS = [
    "icloud storage is full",
    "backup failed",
    "yes",
    "no",
    "skip",
    "1",
    "2",
    "7",
    "0",
    "",
    " ",
    "good morning",
    "thank you",
    "talk to a human",
    "sync stops halfway",
    "purple",
    "😀",
    "x" * 5000,
    "\x00\ud800",
    "computer disk is full with finder",
    "ios 17",
    "Mon iPhone ne fait plus de sauvegarde",
    "something else",
]
COMMANDS = ["start", "help", "reset", "forget", "human", "nonsense", "START", "/start"]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("handoff", [False, True])
def test_random_event_sequences_never_raise(tiny, tiny_matcher, seed, handoff):
    """Any mix of texts, real, stale and forged buttons, commands and clock jumps is answered."""
    rng = random.Random(seed)
    engine = Engine(tiny, tiny_matcher, ttl_seconds=500, handoff_available=handoff)
    session, now, buttons = Session(), 1000.0, ()
    for _ in range(150):
        roll = rng.random()
        if roll < 0.35 and buttons:
            event = Choice(rng.choice(buttons).data)
        elif roll < 0.45:
            event = Choice(rng.choice(["", "1:fixed", f"{session.seq}:{rng.choice(TEXTS)[:20]}", "x:y:z"]))
        elif roll < 0.55:
            event = Command(rng.choice(COMMANDS), rng.choice(["", "storage", "icloud_full", "menu", "zz"]))
        else:
            event = Text(rng.choice(TEXTS))
        now += rng.choice([1.0, 30.0, 600.0])
        session, reply = engine.respond(session, event, now)
        assert reply.messages, event
        assert all(len(b.data.encode()) <= 64 and b.data.startswith(f"{session.seq}:") for b in reply.buttons)
        assert Session.from_dict(json.loads(json.dumps(session.to_dict()))) == session
        buttons = reply.buttons or buttons


def test_yes_and_no_answers_are_whole_and_disjoint():
    """The yes/no lists hold whole answers: no overlap, no stray words like 'it', 'help' or 'not'."""
    from bot.engine.answers import NO, SKIP, YES

    assert not (YES & NO) and not (YES & SKIP) and not (NO & SKIP)
    assert not {"it", "that", "help", "not", "work"} & (YES | NO)


def test_help_at_a_step_is_not_an_answer(catalog):
    """Typing 'help' at a fix step does not move on: the step is still pending afterwards."""
    engine = Engine(catalog)
    intent = next(i for i in catalog.intents.values() if i.kind == "cause" and not i.needs and i.route != "both")
    session, _ = engine.respond(Session(), Command("start", intent.id), 100.0)
    assert session.state == "step" and session.step == 0
    session, reply = engine.respond(session, Text("help"), 101.0)
    assert session.state == "step" and session.step == 0
    assert not any(o.kind == "step" for o in reply.outcomes)


def test_old_buttons_never_answer_a_new_conversation(catalog):
    """After /forget (or expiry) the question numbers restart from the clock: an old button is stale."""
    engine = Engine(catalog)
    intent = next(i for i in catalog.intents.values() if i.kind == "cause" and not i.needs and i.route != "both")
    session, reply = engine.respond(Session(), Command("start", intent.id), 1000.0)
    old_fixed = next(b.data for b in reply.buttons if b.data.endswith(":fixed"))
    _, reply = engine.respond(session, Command("forget"), 1001.0)
    fresh, reply = engine.respond(Session(), Command("start", intent.id), 1002.0)  # the store lost the row
    after, reply = engine.respond(fresh, Choice(old_fixed), 1003.0)
    assert catalog.text("stale_option") in reply.text
    assert not any(o.kind == "resolved" for o in reply.outcomes) and after.step == fresh.step


def test_session_saved_under_old_content_starts_over(catalog):
    """A session pointing at an intent or node that no longer exists is started fresh, never a KeyError."""
    engine = Engine(catalog)
    for stale in (
        Session(state="step", intent="no_such_intent", step=3, started=1.0, last_active=1.0, seq=5),
        Session(state="triage", node="no_such_node", started=1.0, last_active=1.0, seq=5),
        Session(state="slot", node="no_such_slot", intent=None, started=1.0, last_active=1.0, seq=5),
        Session(state="disambiguate", candidates=("gone",), started=1.0, last_active=1.0, seq=5),
    ):
        for event in (Text("2"), Choice("5:fixed"), Text("my icloud is full")):
            session, reply = engine.respond(stale, event, 2.0)
            assert reply.messages and engine._fits_content(session)


def test_check_steps_ask_done_not_fixed(catalog):
    """A step marked check asks 'Done?' with next/solved; 'yes' moves on and records 'next', not a resolution."""
    import dataclasses

    intent = next(i for i in catalog.intents.values() if i.kind == "cause" and not i.needs and len(i.steps) > 1)
    steps = (dataclasses.replace(intent.steps[0], check=True), *intent.steps[1:])
    checked = dataclasses.replace(intent, steps=steps, route=intent.route)
    engine = Engine(dataclasses.replace(catalog, intents={**catalog.intents, intent.id: checked}))
    session, reply = engine.respond(Session(), Command("start", intent.id), 10.0)
    if session.state != "step":  # the route question comes first for intents that work both ways
        session, reply = engine.respond(session, Text("1"), 11.0)
    assert catalog.text("check_question") in reply.text and catalog.text("step_question") not in reply.text
    assert [b.label for b in reply.buttons] == [catalog.text("opt_next"), catalog.text("opt_solved")]
    session, reply = engine.respond(session, Text("yes"), 12.0)
    assert session.step == 1 and not any(o.kind == "resolved" for o in reply.outcomes)
    assert any(o.kind == "step" and o.detail == "next" for o in reply.outcomes)


def test_a_word_that_fits_several_options_narrows_the_question(catalog):
    """'windows' at 'which computer and app?' asks again with only the Windows options; '2' then picks from those."""
    engine = Engine(catalog)
    intent = next(i for i in catalog.intents.values() if i.kind == "cause" and i.needs == ("computer",))
    session, reply = engine.respond(Session(), Command("start", intent.id), 10.0)
    assert session.state == "slot" and session.node == "computer"
    session, reply = engine.respond(session, Text("windows"), 11.0)
    labels = [b.label for b in reply.buttons]
    question = catalog.questions["computer"]
    windows = [o.label for o in question.options if "windows" in o.label.lower()]
    assert catalog.text("narrowed") in reply.text and labels[: len(windows)] == windows
    assert all("mac" not in label.lower() for label in labels)
    session, reply = engine.respond(session, Text("2"), 12.0)
    chosen = next(o.value for o in question.options if o.label == labels[1])
    assert session.slots["computer"] == chosen and session.candidates == ()
