"""Polling that one bad update cannot wedge: getUpdates' answer is parsed one update at a time.

PTB parses a whole getUpdates batch at once; one update it cannot parse (a self-hosted Bot API server newer
or older than PTB's Bot API version, a field missing) fails the batch, logs all of it (people's message
texts included) at CRITICAL, and the offset is never advanced, so the same batch comes back for ever.
`ScreenedBot.get_updates` parses each update on its own: a bad one is logged with its id only, counted
(`bot_updates_skipped_total`), and replaced by a bare `Update(update_id)`, which no handler takes but which
still advances PTB's offset past it. Each update is parsed once, as PTB would.

Before anything is parsed, the batch goes to `on_received` (the update journal, bot/storage/journal.py): it is
written down before the next getUpdates can confirm it, and only the updates it hands back go on (those
already in hand or already handled are left out).
"""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram.ext import ExtBot
from telegram.request import BaseRequest

log = logging.getLogger(__name__)


class ScreenedBot(ExtBot[None]):
    """An ExtBot whose getUpdates skips (and counts) the updates it cannot parse, instead of failing."""

    def __init__(
        self,
        token: str,
        *,
        get_updates_request: BaseRequest,
        on_skipped: Callable[[], None] = lambda: None,
        on_received: Callable[[list[Any]], list[Any]] = lambda raws: raws,
        **kwargs: Any,
    ) -> None:
        super().__init__(token, get_updates_request=get_updates_request, **kwargs)
        self._updates_request = get_updates_request
        self._on_skipped = on_skipped
        self._on_received = on_received

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: float | dtm.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: Any = DEFAULT_NONE,
        write_timeout: Any = DEFAULT_NONE,
        connect_timeout: Any = DEFAULT_NONE,
        pool_timeout: Any = DEFAULT_NONE,
        api_kwargs: dict[str, Any] | None = None,
    ) -> tuple[Update, ...]:
        data: dict[str, Any] = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        # As Bot.get_updates: the long poll's own timeout comes on top of the read timeout.
        base = self._updates_request.read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        poll = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else (timeout or 0)
        result = await self._post(
            "getUpdates",
            data,
            read_timeout=(base or 0) + poll,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        fresh = self._on_received(result) if isinstance(result, list) else []
        return tuple(update for update in map(self.parse, fresh) if update is not None)

    def parse(self, raw: Any) -> Update | None:
        """One update from its JSON, as PTB would; a bare Update(update_id) when PTB cannot parse it."""
        try:
            update = Update.de_json(raw, self)
            self.insert_callback_data(update)
            return update
        except Exception as exc:  # anything PTB's parser raises: the update is skipped, never the batch
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            log.warning("update %s could not be parsed, skipped (%s)", update_id, exc.__class__.__name__)
            self._on_skipped()
            # Telegram always sends an id; without one there is nothing to confirm, so nothing to hand on
            return Update(update_id) if isinstance(update_id, int) else None
