"""Sending to Telegram with a bounded retry: 5xx, dropped connections and timeouts are retried with backoff.

429 (RetryAfter) is waited out by PTB's AIORateLimiter underneath; 400 (BadRequest) is permanent and raised
at once, never retried (PTB's BadRequest subclasses NetworkError); 403 means the person blocked the bot: it
is reported as `Blocked` and never retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

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
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except Forbidden as exc:
            raise Blocked(str(exc)) from exc
        except BadRequest:  # permanent ("chat not found", "message is too long"): sending again cannot help
            raise
        except RetryAfter as exc:  # only reaches us when the rate limiter's own retries ran out
            if attempt == attempts:
                raise
            # The private timedelta, as PTB's own limiter reads it: the public property warns (PTB 22).
            wait = exc._retry_after.total_seconds()
            log.warning("%s: flood control, waiting %.1f s (attempt %d)", what, wait, attempt)
            await asyncio.sleep(wait)
        except NetworkError as exc:  # includes TimedOut and 5xx answers
            if attempt == attempts:
                raise
            log.warning("%s failed (%s), retrying in %.1f s (attempt %d)", what, exc.__class__.__name__, delay, attempt)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")
