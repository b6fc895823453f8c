"""Shared fixtures: the real catalog (loaded once), the tiny fixture catalog and a scripted-conversation helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import vision
from bot.engine.content import load_catalog
from bot.engine.machine import Engine
from bot.engine.matcher import Matcher
from bot.engine.model import Catalog, Choice, Command, Event, Outcome, Reply, Session, Text
from bot.vision.model import Limits
from bot.vision.worker import Reader

ROOT = Path(__file__).resolve().parent.parent
INTENTS = ROOT / "intents"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY = FIXTURES / "tiny"
START = 1_000_000.0  # an arbitrary clock value: the engine never reads the clock itself


class Chat:
    """Drives one conversation through an Engine, the way an adapter would, with a fake clock."""

    def __init__(self, engine: Engine, session: Session | None = None, now: float = START) -> None:
        self.engine = engine
        self.session = session or Session()
        self.now = now
        self.reply = Reply(())
        self.outcomes: list[Outcome] = []

    def send(self, event: Event, *, after: float = 1.0) -> Reply:
        self.now += after
        self.session, self.reply = self.engine.respond(self.session, event, self.now)
        self.outcomes.extend(self.reply.outcomes)
        return self.reply

    def say(self, text: str, *, after: float = 1.0) -> Reply:
        return self.send(Text(text), after=after)

    def command(self, name: str, arg: str = "") -> Reply:
        return self.send(Command(name, arg))

    def values(self) -> list[str]:
        """The option values offered by the last reply's buttons."""
        return [b.data.partition(":")[2] for b in self.reply.buttons]

    def labels(self) -> list[str]:
        return [b.label for b in self.reply.buttons]

    def press(self, value: str) -> Reply:
        """Press the button whose option value is `value` (fails the test if it is not offered)."""
        assert value in self.values(), f"{value!r} not offered; buttons: {self.values()}"
        return self.send(Choice(self.reply.buttons[self.values().index(value)].data))

    def kinds(self) -> list[str]:
        return [o.kind for o in self.outcomes]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(INTENTS)


@pytest.fixture(scope="session")
def matcher(catalog: Catalog) -> Matcher:
    return Matcher.from_catalog(catalog)


@pytest.fixture(scope="session")
def engine(catalog: Catalog, matcher: Matcher) -> Engine:
    return Engine(catalog, matcher)


@pytest.fixture(scope="session")
def tiny() -> Catalog:
    return load_catalog(TINY)


@pytest.fixture(scope="session")
def tiny_matcher(tiny: Catalog) -> Matcher:
    return Matcher.from_catalog(tiny)


@pytest.fixture(scope="session")
def tiny_engine(tiny: Catalog, tiny_matcher: Matcher) -> Engine:
    return Engine(tiny, tiny_matcher)


@pytest.fixture
def chat() -> Callable[..., Chat]:
    """A factory: chat(engine) -> a fresh Chat."""
    return Chat


class KeptReader(Reader):
    """The test session's one OCR worker: an application's shutdown (or a test) does not stop it."""

    def close(self) -> None:
        return None

    def really_close(self) -> None:
        super().close()


@pytest.fixture(scope="session")
def ocr_reader() -> Iterator[KeptReader]:
    """One OCR worker for every test that reads screenshots (tests/vision, tests/tg): its models load once.
    Skips the test without the ocr extra."""
    if not vision.available():
        pytest.skip("the ocr extra is not installed")
    reader = KeptReader(Limits(timeout=60))  # generous: CI machines are shared; the timeout has its own test
    yield reader
    reader.really_close()
