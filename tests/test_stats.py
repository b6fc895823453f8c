"""Support statistics (bot/stats.py) computed from conversations driven through the real Engine and Store."""

from __future__ import annotations

import pytest

from bot.engine.model import Choice, Command, Text
from bot.stats import collect_stats, format_stats
from bot.storage import Store

T0 = 1_700_000_000.0


class Person:
    """One user talking to the engine, every turn recorded in the store the way an adapter does it."""

    def __init__(self, engine, store, user_id: int) -> None:
        self.engine, self.store, self.user_id, self.key = engine, store, user_id, f"tg:{user_id}"
        self.now = T0 + user_id
        self.reply = None

    def send(self, event) -> None:
        self.now += 1
        session, self.reply = self.engine.respond(self.store.sessions.load(self.key), event, self.now)
        text = event.text if isinstance(event, Text) else None
        self.store.sessions.record(
            self.key,
            session,
            now=self.now,
            user_id=self.user_id,
            chat_id=self.user_id,
            text=text,
            match=self.reply.match,
            outcomes=self.reply.outcomes,
        )

    def say(self, text: str) -> None:
        self.send(Text(text))

    def press(self, value: str) -> None:
        data = next(b.data for b in self.reply.buttons if b.data.partition(":")[2] == value)
        self.send(Choice(data))


@pytest.fixture(scope="module")
def figures(tiny_engine):
    """Four scripted conversations on the tiny catalog (halfway_cable has one step, disk_full two per computer)."""
    store = Store.memory()
    a = Person(tiny_engine, store, 1)  # halfway_cable: fixed at step 1
    a.say("sync stops halfway through")
    a.press("fixed")
    b = Person(tiny_engine, store, 2)  # halfway_cable: not fixed -> escalated
    b.say("sync stops halfway through")
    b.press("not_fixed")
    b.press("yes")  # "did I get your problem right?": yes, so the bot escalates
    c = Person(tiny_engine, store, 3)  # disk_full on a Mac: step 1 not fixed, step 2 fixed
    c.say("computer disk is full")
    c.press("mac_finder")
    c.press("not_fixed")
    c.press("fixed")
    d = Person(tiny_engine, store, 4)  # two unmatched messages (one repeated), then an abandoned start
    d.say("the weather is nice today")
    d.say("The weather is nice today")
    d.send(Command("start", "disk_full"))
    d.send(Command("reset"))
    yield collect_stats(store.reports, since=0.0), store
    store.close()


def test_conversations_counted(figures):
    """Every person who typed something is one conversation."""
    stats, _ = figures
    assert stats["conversations"] == 4


def test_resolution_rate(figures):
    """Two of the three troubleshooting conversations were resolved."""
    stats, _ = figures
    assert stats["resolution_rate"] == pytest.approx(2 / 3)
    assert stats["outcomes"]["resolved"] == 2 and stats["outcomes"]["escalated"] == 1


def test_per_intent(figures):
    """halfway_cable: 2 conversations, 1 resolved, 1 escalated; disk_full: 1 of 1 resolved."""
    stats, _ = figures
    cable = stats["per_intent"]["halfway_cable"]
    assert (cable["conversations"], cable["resolved"], cable["escalated"]) == (2, 1, 1)
    assert cable["resolution_rate"] == pytest.approx(0.5)
    assert stats["per_intent"]["disk_full"]["resolution_rate"] == 1.0


def test_per_step_success(figures):
    """Step success is fixed / tried per intent and (1-based) step."""
    stats, _ = figures
    steps = {(s["intent"], s["step"]): (s["fixed"], s["tried"]) for s in stats["steps"]}
    assert steps == {("halfway_cable", 1): (1, 2), ("disk_full", 1): (0, 1), ("disk_full", 2): (1, 1)}


def test_unmatched_messages(figures):
    """The out-of-scope message is listed once with its count, case folded."""
    stats, _ = figures
    assert [u["count"] for u in stats["unmatched"]] == [2]
    assert stats["unmatched"][0]["text"].lower() == "the weather is nice today"


def test_abandoned_and_out_of_scope_outcomes(figures):
    """The /reset after a deep link is counted as abandoned; the first off-topic message as out of scope (the
    second arrives at the menu the first one opened, where a message not understood is asked again)."""
    stats, store = figures
    assert store.query("SELECT COUNT(*) FROM outcomes WHERE kind = 'abandoned' AND intent = 'disk_full'") == [(1,)]
    assert stats["outcomes"]["out_of_scope"] == 1


def test_since_filters_old_rows(figures):
    """Looking back from after the last turn finds nothing."""
    _, store = figures
    later = collect_stats(store.reports, since=T0 + 10_000)
    assert later["conversations"] == 0 and later["resolution_rate"] == 0.0


def test_format_stats_mentions_the_figures(figures):
    """The text report shows the conversation count and the per-step line."""
    stats, _ = figures
    report = format_stats(stats)
    assert "Conversations: 4" in report and "halfway_cable" in report and "step 1: 1/2" in report


def test_one_outcome_per_conversation(figures):
    """Each conversation counted once: a resolved, b escalated, c resolved, d abandoned (its out-of-scope
    messages came before the problem it left)."""
    stats, _ = figures
    assert stats["per_conversation"] == {
        "resolved": 2,
        "escalated": 1,
        "abandoned": 1,
        "out_of_scope": 0,
        "other": 0,
    }
    assert stats["resolved_at_step"] == {1: 1, 2: 1}
    assert "Resolved by the bot: 2 (step 1: 1, step 2: 1)" in format_stats(stats)


def test_sessions_past_the_ttl_count_as_abandoned(tiny_engine):
    """A person who left mid-problem and never came back counts as abandoned once the TTL has passed; one
    left at the menu too, unless what they said was out of scope; typed answers are not 'unmatched'."""
    store = Store.memory()
    e = Person(tiny_engine, store, 5)  # at step 1 of disk_full, then silence
    e.say("computer disk is full")
    e.say("finder")  # the computer question answered in words: not an unmatched message
    f = Person(tiny_engine, store, 6)  # out of scope, then silence at the menu
    f.say("the weather is nice today")
    g = Person(tiny_engine, store, 7)  # opened the menu, then silence
    g.send(Command("start"))
    ttl, last = 3600.0, max(p.now for p in (e, f, g))
    fresh = collect_stats(store.reports, now=last + 1, ttl=ttl)["per_conversation"]
    assert (fresh["abandoned"], fresh["out_of_scope"], fresh["other"]) == (0, 1, 2)
    stale = collect_stats(store.reports, now=last + ttl + 1, ttl=ttl)
    assert (stale["per_conversation"]["abandoned"], stale["per_conversation"]["out_of_scope"]) == (2, 1)
    assert [u["text"] for u in stale["unmatched"]] == ["the weather is nice today"]
    store.close()


def test_handoffs_open_and_closed(tiny_engine):
    """Open tickets are counted whenever they were opened; closed ones when closed in the period."""
    store = Store.memory()
    for user_id in (1, 2, 3):
        store.cases.open(
            f"k{user_id}", user_id=user_id, user_chat_id=user_id, user_thread_id=0, operator_chat_id=-1, now=T0
        )
    store.cases.close(1, T0 + 10)
    stats = collect_stats(store.reports, since=T0 + 5)
    assert stats["handoffs"] == {"open": 2, "closed": 1}
    assert "Handoffs: 2 open, 1 closed" in format_stats(stats)
    store.close()


def test_checkins_sent_answered_and_resolved():
    """Sent counts every check-in that went out, answered every reply to one, resolved the "fixed" ones; a
    scheduled or cancelled one counts for nothing."""
    store = Store.memory()
    ids = [
        store.checkins.add("k", user_id=1, chat_id=1, thread_id=0, name="", seq=1, round=1, due=T0, now=T0)
        for _ in range(4)
    ]
    for checkin_id in ids[:3]:
        store.checkins.claim(checkin_id, T0 + 1)
    store.checkins.answer(ids[0], "fixed", T0 + 2)
    store.checkins.answer(ids[1], "later", T0 + 2)
    store.checkins.cancel("k", T0 + 3)
    stats = collect_stats(store.reports, since=T0)
    assert stats["checkins"] == {"sent": 3, "answered": 2, "resolved": 1}
    assert "Check-ins: 3 sent, 2 answered, 1 resolved through one" in format_stats(stats)
    assert collect_stats(store.reports, since=T0 + 10)["checkins"] == {"sent": 0, "answered": 0, "resolved": 0}
