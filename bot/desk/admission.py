"""Whether an incoming update becomes a turn: the per-person flood limit as it arrives (`arrive`, before it
waits for its conversation, so a flood is dropped instead of queued), then redelivery (`admit`: update ids seen).

`admit` only reads: an update is marked handled together with its turn (Sessions.record with `Where.update_id`)
or, for updates that store no turn, when their handling ends (the front-end's update journal). So a process
killed in between leaves the update to be handled again, never half done.
A repeat of an update an earlier process already handled may mean that process died before its answer went
out: the person is shown where the conversation stands, once, so they are never left without the pending
question.
No telegram, click or SQL.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

from bot.desk.flood import FloodGate, Verdict
from bot.desk.ports import Bookkeeping, Sessions
from bot.engine.machine import Engine
from bot.engine.model import Reply

HANDLED_MEMORY = 20_000  # update ids remembered to tell a repeat from one an earlier process took on


class Admit(Enum):
    TURN = "turn"  # handle it
    FLOOD = "flood"  # over the person's limit: dropped (the reply, if any, says so once)
    REPEAT = "repeat"  # seen before: dropped (the reply, if any, shows where the conversation stands)


@dataclass(frozen=True, slots=True)
class Admission:
    verdict: Admit
    reply: Reply | None = None  # what to send instead of a turn


class Gate:
    def __init__(self, engine: Engine, sessions: Sessions, bookkeeping: Bookkeeping, flood: FloodGate) -> None:
        self.engine = engine
        self.sessions = sessions
        self.bookkeeping = bookkeeping
        self.flood = flood
        self._handled_here: OrderedDict[int, None] = OrderedDict()  # update ids this process took on

    def arrive(self, user_id: int, now: float) -> Admission | None:
        """The flood limit for an update that just arrived: None lets it in; over the limit it is dropped (the
        first one over is answered with the `flood` notice)."""
        verdict = self.flood.check(user_id, now)
        if verdict is Verdict.PASS:
            return None
        notice = Reply((self.engine.catalog.text("flood"),)) if verdict is Verdict.WARN else None
        return Admission(Admit.FLOOD, notice)

    def admit(self, key: str, user_id: int, update_id: int, *, private: bool, now: float) -> Admission:
        """An update let in by `arrive`, now at the front of its conversation: a turn, or a repeat."""
        if update_id in self._handled_here:
            return Admission(Admit.REPEAT)
        self._handled_here[update_id] = None
        if len(self._handled_here) > HANDLED_MEMORY:
            self._handled_here.popitem(last=False)
        if self.bookkeeping.seen(update_id):
            _, reply = self.engine.present(self.sessions.load(key))
            return Admission(Admit.REPEAT, reply)
        if private and self.bookkeeping.is_blocked(user_id):
            self.bookkeeping.set_blocked(user_id, False, now)  # they wrote again, so they unblocked us
        return Admission(Admit.TURN)
