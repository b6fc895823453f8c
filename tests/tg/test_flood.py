"""Flood isolation: a flood in one chat must not slow down anyone else (issue 14, item 1).

A group whose send budget is used up (Telegram allows 20 messages a minute in a group) and one member who
sends 300 mentions: each of those updates used to wait for the member's conversation while holding one of
PTB's 256 update slots, so a private chat's reply waited for the whole backlog (134 s measured). Now the
flood limit applies as updates arrive: a flood is dropped, not queued.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from telegram.ext import BaseRateLimiter

from bot.engine.model import Catalog
from bot.storage import Store
from tests.tg.conftest import BotFactory
from tests.tg.fake_bot_api import BOT_USERNAME, FakeBotApi

GROUP = -1007
FLOODER = 41
BYSTANDER = 42


class SpentGroupBudget(BaseRateLimiter[None]):
    """Sends into groups wait until `release` (the group's budget is spent); everything else goes at once."""

    def __init__(self) -> None:
        self.release = asyncio.Event()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        self.release.set()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if str(data.get("chat_id", "")).startswith("-"):
            await self.release.wait()
        return await callback(*args, **kwargs)


async def test_a_flood_in_one_chat_leaves_other_chats_answered(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    limiter = SpentGroupBudget()
    for _ in range(300):
        fake.send_text(FLOODER, f"@{BOT_USERNAME} my icloud backup fails", chat_id=GROUP)
    async with bot(rate_limiter=limiter):
        await fake.wait_for(lambda: fake.pending_updates == 0, what="the flood fetched")
        fake.send_text(BYSTANDER, "/start")
        # answered while the flooder's replies are all still waiting for the group's budget
        (greeting,) = await fake.wait_sent(BYSTANDER, 1)
        assert greeting.startswith(catalog.text("greeting"))
        assert fake.sent(GROUP) == []
        limiter.release.set()
        await fake.wait_for(lambda: catalog.text("flood") in fake.texts(GROUP), what="the flood notice")
        await asyncio.sleep(0.3)
    assert fake.texts(GROUP).count(catalog.text("flood")) == 1
    store = Store.open(db_path)
    assert store.query("SELECT count(*) FROM turns WHERE user_id = ?", [FLOODER]) == [(10,)]
    store.close()
