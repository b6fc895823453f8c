"""How long the bot keeps trying one Bot API call: a deadline on retries, shorter once shutdown begins.

- `BUDGET`: one call (bot/tg/delivery.py `with_retry`) spends at most this long retrying, waits included.
- `MAX_WAIT`: the longest 429 `retry_after` waited for in-line (the conversation is held meanwhile);
  Telegram asking for longer means the send is given up, logged, and the person's next message continues.
- `SHUTDOWN_GRACE`: once shutdown begins (bot/tg/lifecycle.py, Application.stop), every retry still
  waiting ends within this; later calls get one try. So SIGTERM during a 429 storm ends in seconds, well
  inside systemd's TimeoutStopSec=30s, while updates already fetched are still handled (and their turns
  stored) as before.

One policy per process (`policy`), as there is one bot per process; `reset()` when an application starts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

BUDGET = 20.0
MAX_WAIT = 10.0
SHUTDOWN_GRACE = 3.0


class DeliveryPolicy:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.stopping_since: float | None = None
        self._sleepers: set[asyncio.Future[None]] = set()

    def reset(self) -> None:
        self.stopping_since = None

    def begin_shutdown(self) -> None:
        """From now on retries end within SHUTDOWN_GRACE; retries asleep now wake up to check."""
        if self.stopping_since is None:
            self.stopping_since = self.clock()
        for sleeper in list(self._sleepers):
            _wake(sleeper)

    def deadline(self, started: float) -> float:
        """When a call begun at `started` (on `clock`) must stop retrying."""
        end = started + BUDGET
        if self.stopping_since is not None:
            end = min(end, self.stopping_since + SHUTDOWN_GRACE)
        return end

    def allows_wait(self, seconds: float, started: float, *, retry_after: bool = False) -> bool:
        if retry_after and seconds > MAX_WAIT:
            return False
        return self.clock() + seconds <= self.deadline(started)

    async def wait(self, seconds: float, started: float, *, retry_after: bool = False) -> bool:
        """Sleep `seconds` before a retry and return True, or return False (at once, or as soon as shutdown
        makes it so) when the retry would come after the call's deadline."""
        if not self.allows_wait(seconds, started, retry_after=retry_after):
            return False
        end = self.clock() + seconds
        while (remaining := end - self.clock()) > 0:
            if end > self.deadline(started):
                return False
            loop = asyncio.get_running_loop()
            sleeper: asyncio.Future[None] = loop.create_future()
            timer = loop.call_later(remaining, _wake, sleeper)
            self._sleepers.add(sleeper)
            try:
                await sleeper
            finally:
                timer.cancel()
                self._sleepers.discard(sleeper)
        return True


def _wake(sleeper: asyncio.Future[None]) -> None:
    if not sleeper.done():
        sleeper.set_result(None)


policy = DeliveryPolicy()
