"""Sending to Telegram with a bounded retry: 5xx, dropped connections and timeouts are retried with backoff.

429 (RetryAfter) is waited out here (PTB's AIORateLimiter paces but does not retry); every retry keeps to the
deadlines of bot/tg/policy.py (a budget per call, a cap on retry_after, a short grace once shutdown begins:
past them the last error is raised). 400 (BadRequest) is permanent and raised
at once, never retried (PTB's BadRequest subclasses NetworkError); 403 means the person blocked the bot: it
is reported as `Blocked` and never retried.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.tg.policy import policy

log = logging.getLogger(__name__)
T = TypeVar("T")
FIRST_DELAY = 0.5  # seconds before the first retry; doubled each time (tests shorten it)


class Blocked(Exception):
    """The chat refuses our messages (HTTP 403): the person blocked the bot or left the group."""


async def with_retry(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    attempts: int = 4,
    first_delay: float | None = None,
    max_delay: float = 8.0,
) -> T:
    """Await `call()` until it succeeds, or `attempts` transient failures happened (the last is raised)."""
    delay = FIRST_DELAY if first_delay is None else first_delay
    started = policy.clock()
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except BadRequest:  # permanent ("chat not found", "message is too long"): sending again cannot help
            raise
        except RetryAfter as exc:
            # The private timedelta, as PTB's own limiter reads it: the public property warns (PTB 22).
            wait = exc._retry_after.total_seconds()
            if attempt == attempts or not policy.allows_wait(wait, started, retry_after=True):
                log.warning("%s: flood control asks for %.1f s: given up (attempt %d)", what, wait, attempt)
                raise
            log.warning("%s: flood control, waiting %.1f s (attempt %d)", what, wait, attempt)
            if not await policy.wait(wait, started, retry_after=True):
                log.warning("%s: given up while waiting out flood control (shutting down)", what)
                raise
        except NetworkError as exc:  # includes TimedOut and 5xx answers
            if attempt == attempts or not policy.allows_wait(delay, started):
                raise
            log.warning("%s failed (%s), retrying in %.1f s (attempt %d)", what, exc.__class__.__name__, delay, attempt)
            if not await policy.wait(delay, started):
                raise
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")
