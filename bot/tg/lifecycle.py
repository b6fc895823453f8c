"""The Application with its two moments announced: start-up is over, and shutdown begins.

`Application.start()` is the last step of start-up in run_polling and run_webhook (after initialize,
post_init and the updater's bootstrap), so start-up failures before it stay one line each
(bot/tg/masking.py). `Application.stop()` is the first step of shutdown after the updater stops, so from then
on retries get a short deadline (bot/tg/delivery.py) and a SIGTERM during a 429 storm ends in seconds.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.tg import masking
from bot.tg.policy import policy


class BotApplication(Application[Any, Any, Any, Any, Any, Any]):
    async def start(self) -> None:
        policy.reset()
        await super().start()
        masking.quiet_startup.over()

    async def stop(self) -> None:
        policy.begin_shutdown()
        await super().stop()
