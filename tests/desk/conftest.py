"""A desk on the memory twins, with an in-memory operator chat: handoff and continuation without Telegram."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from bot.desk.cases import CaseDesk
from bot.desk.continuation import Continuation
from bot.desk.memory import MemoryOperatorChat, MemoryStore
from bot.desk.ports import Person, Where
from bot.desk.turn import Conversations, Turn
from bot.engine.machine import Engine
from bot.engine.matcher import Matcher
from bot.engine.model import Catalog, Choice, Command, Event, Text

START = 1_000_000.0
ALICE = Where("tg:21:0:21", 21, 21, 0, True, Person(21, "Alice"))
GROUP = Where("tg:-7:0:21", 21, -7, 0, False, Person(21, "Alice"))
CONSOLE = Where("console:me")


@dataclass
class Desk:
    """Conversations on memory storage, driven like a front-end with a clock that moves a second a turn."""

    conversations: Conversations
    store: MemoryStore
    operators: MemoryOperatorChat
    now: float = START
    last: dict[str, Turn] = field(default_factory=dict)

    async def send(self, where: Where, event: Event) -> Turn:
        self.now += 1
        turn = await self.conversations.handle(where, event, self.now)
        self.last[where.key] = turn
        return turn

    async def say(self, where: Where, text: str) -> Turn:
        return await self.send(where, Text(text))

    async def command(self, where: Where, name: str, arg: str = "") -> Turn:
        return await self.send(where, Command(name, arg))

    async def press(self, where: Where, *labels: str) -> Turn:
        """Press the first of `labels` the last reply offers (fails the test when none is)."""
        buttons = self.last[where.key].reply.buttons
        button = next((b for label in labels for b in buttons if b.label == label), None)
        assert button is not None, f"none of {labels} in {[b.label for b in buttons]}"
        return await self.send(where, Choice(button.data))


@pytest.fixture(scope="session")
def handoff_engine(catalog: Catalog, matcher: Matcher) -> Engine:
    return Engine(catalog, matcher, ttl_seconds=24 * 3600, handoff_available=True)


def make_desk(engine: Engine, *, hide_names: bool = False, username: str | None = "backup_bot", **chat: bool) -> Desk:
    store = MemoryStore()
    operators = MemoryOperatorChat(**chat)
    cases = CaseDesk(engine.catalog, store.cases, operators, hide_names=hide_names)
    links = Continuation(engine, store.sessions, store.links, username=lambda: username)
    return Desk(Conversations(engine, store, cases=cases, links=links, max_input=2000), store, operators)


@pytest.fixture
def desk(handoff_engine: Engine) -> Desk:
    return make_desk(handoff_engine)
