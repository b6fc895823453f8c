"""The support team's figures and housekeeping: /stats after a scripted day, retention purges, group pacing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from telegram.ext import AIORateLimiter

from bot.engine.model import Catalog, Outcome, Session
from bot.storage import Store
from bot.tg.app import default_rate_limiter, purge_daily
from tests.tg.conftest import BotFactory
from tests.tg.fake_bot_api import FakeBotApi

OPS = -2001
OPERATOR = 31
IOS = "iOS 17 or later (including iOS 26)"
DAY = 24 * 3600.0


class Clock:
    """The bot's clock, moved by the test: ten minutes per message, a day at once when asked."""

    def __init__(self) -> None:
        self.now = time.time() - 2 * DAY

    def __call__(self) -> float:
        return self.now


async def test_stats_after_a_scripted_day(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    # Five conversations in a day: resolved at step 1, resolved at step 2, escalated to a person (case still
    # open), abandoned (left at step 1 and never came back: counted once its session is past the 24 h TTL)
    # and out of scope. An operator's /stats the next day shows each figure.
    clock = Clock()
    async with bot(clock=clock, settings={"support_chat_id": OPS}):
        sent = 0

        async def say(person: int, text: str | None = None, *, press: str | None = None) -> None:
            nonlocal sent
            clock.now += 600
            if press is None:
                fake.send_text(person, text or "")
            else:
                if isinstance(press, tuple):
                    fake.press_any(person, person, *press)
                else:
                    fake.press_label(person, person, press)
            sent += 1
            await fake.wait_for(lambda: len(fake.sent()) >= sent, what=f"answer {sent}")

        # a fix step offers fixed/not fixed, a check step solved/next: either pair means the same here
        fixed = (catalog.text("opt_fixed"), catalog.text("opt_solved"))
        not_fixed = (catalog.text("opt_not_fixed"), catalog.text("opt_next"))
        for person, results in ((41, [fixed]), (42, [not_fixed, fixed]), (43, [not_fixed]), (44, [])):
            await say(person, "/start icloud_full")
            await say(person, press=IOS)
            for result in results:
                await say(person, press=result)
        await say(43, "/human")  # escalated: a person is asked for after step 1
        sent += 1  # ... and the case summary goes to the operator chat
        await say(45, "what's a good pizza recipe")  # out of scope
        clock.now += DAY  # the next day: person 44's session is past the TTL
        fake.send_text(OPERATOR, "/stats", chat_id=OPS)
        await fake.wait_sent(OPS, 2)
    report = fake.sent(OPS)[-1]["text"]
    assert report.startswith(catalog.text("stats_header", days="30") + "\nConversations: 5\n")
    lines = [" ".join(line.split()) for line in report.splitlines()]  # columns padded with spaces
    for line in (
        "Resolved by the bot: 2 (step 1: 1, step 2: 1)",
        "Escalated: 1",
        "Abandoned: 1",
        "Out of scope: 1",
        "Resolution rate (of troubleshooting started): 67%",  # 2 of the 3 who answered a step
        "Handoffs: 1 open, 0 closed",
        "icloud_full 3 2 67%",  # per intent: conversations that answered a step, resolved, rate
        "icloud_full step 1: 1/3 (33%)",
        "icloud_full step 2: 1/1 (100%)",
        "1 x what's a good pizza recipe",
    ):
        assert line in lines, line
    assert "parse_mode" not in fake.sent(OPS)[-1]  # plain text: nothing to escape


async def test_retention_purges_at_start_up(fake: FakeBotApi, bot: BotFactory, db_path: Path) -> None:
    # Rows older than RETENTION_DAYS are gone once the bot has started; recent ones stay.
    now = time.time()
    store = Store.open(db_path)
    for key, ts in (("old", now - 100 * DAY), ("new", now - DAY)):
        store.sessions.record(key, Session(), now=ts, user_id=1, text=key, outcomes=[Outcome("resolved")])
    store.close()
    async with bot(settings={"retention_days": 90}):
        check = Store.open(db_path)
        await fake.wait_for(lambda: check.query("SELECT COUNT(*) FROM turns") == [(1,)], what="the purge")
        assert check.query("SELECT key FROM sessions") == [("new",)]
        assert check.query("SELECT COUNT(*) FROM outcomes") == [(1,)]
        check.close()


async def test_purge_runs_again_until_cancelled() -> None:
    # The retention task purges at once, then after every interval, and stops when cancelled.
    cuts: list[float] = []

    class Recorder(Store):
        def purge(self, older_than: float) -> int:
            cuts.append(older_than)
            return 0

    task = asyncio.create_task(purge_daily(Recorder.memory(), 90, lambda: 100 * DAY, every=0.01))
    while len(cuts) < 3:
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled() and cuts[:3] == [10 * DAY] * 3


async def test_groups_are_paced_to_twenty_a_minute() -> None:
    # The default limiter allows 20 messages a minute per group; a group over its budget waits while
    # private chats go straight through (checked here with a budget of 2 per 0.4 s).
    default = default_rate_limiter()
    assert (default._group_max_rate, default._group_time_period) == (20, 60)
    limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=2, group_time_period=0.4)

    async def send() -> bool:
        return True

    async def burst(chat_id: int) -> float:
        start = time.monotonic()
        for _ in range(4):
            await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": chat_id}, None)
        return time.monotonic() - start

    assert await burst(5) < 0.1
    assert await burst(-100) >= 0.3


async def test_send_rate_limit_paces_every_chat_together(fake: FakeBotApi, bot: BotFactory) -> None:
    # SEND_RATE_LIMIT=5: fifteen people writing at once get their replies over two seconds or more (a burst
    # of five, then five a second); 0 takes the overall pacing away, the group limit stays.
    people = range(5000, 5015)
    async with bot(settings={"send_rate_limit": 5}):
        for person in people:
            fake.send_text(person, "/start")
        await fake.wait_for(lambda: len(fake.sent()) == len(people), timeout=20)
        times = sorted(c.at for c in fake.calls("sendMessage"))
    assert times[-1] - times[0] >= 1.5
    async with bot(settings={"send_rate_limit": 0}) as app:
        limiter = app.bot.rate_limiter
        assert limiter._base_limiter is None and limiter._group_max_rate == 20
    async with bot() as app:
        assert app.bot.rate_limiter._base_limiter.max_rate == 30  # the default: Telegram's limit
