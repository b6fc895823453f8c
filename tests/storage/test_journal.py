"""The update journal (bot/storage/journal.py): kept before confirmed, answered, done, replayed, forgotten."""

from __future__ import annotations

import pytest

from bot.engine.model import Session
from tests.storage.conftest import NOW


def _raw(update_id: int, user_id: int = 5, text: str = "backup failed") -> dict:
    chat = {"id": user_id, "type": "private"}
    sender = {"id": user_id, "is_bot": False, "first_name": "P"}
    return {
        "update_id": update_id,
        "message": {"message_id": update_id, "date": 0, "chat": chat, "from": sender, "text": text},
    }


def test_a_batch_is_kept_once_and_handed_on_once(store):
    journal = store.journal
    assert [r["update_id"] for r in journal.keep([_raw(1), _raw(2)], NOW)] == [1, 2]
    assert journal.keep([_raw(2), _raw(3)], NOW) == [_raw(3)]  # 2 is in hand already
    journal.done(1, NOW)
    assert journal.keep([_raw(1)], NOW) == []  # handled: a redelivery is not handed on
    assert store.bookkeeping.seen(1) and not store.bookkeeping.seen(2)
    assert [p.update_id for p in journal.pending(since=0)] == [2, 3]


def test_an_update_without_an_id_is_handed_on_unjournaled(store):
    assert store.journal.keep([{"message": {}}], NOW) == [{"message": {}}]
    assert store.journal.pending(since=0) == []


def test_pending_carries_the_stored_answer_and_drops_what_is_too_old(store):
    journal = store.journal
    journal.keep([_raw(1)], NOW - 100)
    journal.keep([_raw(2), _raw(3)], NOW)
    journal.answered(2, {"chat_id": 5, "messages": [{"text": "hi", "keyboard": None}]})
    pending = journal.pending(since=NOW - 10)
    assert [(p.update_id, p.answer) for p in pending] == [
        (2, {"chat_id": 5, "messages": [{"text": "hi", "keyboard": None}]}),
        (3, None),
    ]
    assert pending[0].raw == _raw(2)
    assert store.query("SELECT COUNT(*) FROM update_journal WHERE update_id = 1") == [(0,)]


def test_an_unreadable_row_is_dropped_not_retried(store):
    store.journal.keep([_raw(1), _raw(2)], NOW)
    store.db.execute("UPDATE update_journal SET raw = 'not json' WHERE update_id = 1")
    assert [p.update_id for p in store.journal.pending(since=0)] == [2]
    assert [p.update_id for p in store.journal.pending(since=0)] == [2]


def test_a_turn_marks_its_update_handled_in_its_own_transaction(store):
    class Broken:
        kind, intent, step = "step", "x", 0

        @property
        def detail(self):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.sessions.record("tg:5:0:5", Session(), now=NOW, user_id=5, text="hi", outcomes=[Broken()], update_id=9)
    assert not store.bookkeeping.seen(9)  # no turn, so not handled
    store.sessions.record("tg:5:0:5", Session(), now=NOW, user_id=5, text="hi", update_id=9)
    assert store.bookkeeping.seen(9)


def test_forget_and_retention_take_journaled_updates(store):
    store.journal.keep([_raw(1, user_id=5, text="zebraquartz"), _raw(2, user_id=6)], NOW)
    store.sessions.forget_user(5)
    assert [p.update_id for p in store.journal.pending(since=0)] == [2]
    store.journal.keep([_raw(3, user_id=6)], NOW + 10)
    store.purge(NOW + 5)
    assert [p.update_id for p in store.journal.pending(since=0)] == [3]
