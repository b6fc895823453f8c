"""Secrets out of every output: the bot token and the webhook secret, in log records and uncaught exceptions.

`install(settings)` puts one `SecretFilter` on every root log handler (message, arguments, traceback, stack
are masked) and replaces `sys.excepthook` and `threading.excepthook` with masking ones. Both secrets are
also masked URL-quoted, as they appear in request URLs. `quiet_startup` keeps start-up failures to one line
each: until the application has started, a record's traceback is dropped (its exception's class and masked
message are kept), because the start-up error itself is reported in one line by `python -m bot run`.

Imports only the standard library and bot.config.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType
from urllib.parse import quote

from bot.config import Settings

TOKEN_MASK = "<token>"
SECRET_MASK = "<webhook-secret>"


class Masker:
    """Replaces each secret (and its URL-quoted form) with its label."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        found: dict[str, str] = {}
        for secret, label in pairs:
            if secret:
                found.setdefault(secret, label)
                found.setdefault(quote(secret, safe=""), label)
        # longest first, so a secret that contains another is masked whole
        self.pairs = sorted(found.items(), key=lambda item: -len(item[0]))

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def clean(self, text: str) -> str:
        for secret, label in self.pairs:
            if secret in text:
                text = text.replace(secret, label)
        return text

    @classmethod
    def of(cls, settings: Settings) -> Masker:
        return cls((settings.token.reveal(), TOKEN_MASK), (settings.webhook_secret.reveal(), SECRET_MASK))


class SecretFilter(logging.Filter):
    """Masks secrets anywhere in a log record (message, arguments, traceback, stack)."""

    def __init__(self, token: str = "", *, secret: str = "", masker: Masker | None = None) -> None:
        super().__init__()
        self.masker = masker or Masker((token, TOKEN_MASK), (secret, SECRET_MASK))

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.masker:
            return True
        record.msg = self.masker.clean(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.masker.clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self.masker.clean(record.stack_info)
        return True


class QuietStartup(logging.Filter):
    """Until `over()`: a record keeps its message and the exception's one-line summary, not its traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.active = True

    def over(self) -> None:
        self.active = False

    def filter(self, record: logging.LogRecord) -> bool:
        if self.active and record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({exc.__class__.__name__}: {exc})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


quiet_startup = QuietStartup()


def install(settings: Settings) -> Masker:
    """Mask the secrets of `settings` in every root handler and in uncaught exceptions; start-up is quiet."""
    masker = Masker.of(settings)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, (SecretFilter, QuietStartup))]:
            handler.removeFilter(old)
        # quiet first: a traceback it drops never needs masking, the masker then sees the final text
        handler.addFilter(quiet_startup)
        handler.addFilter(SecretFilter(masker=masker))

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        sys.stderr.write(masker.clean("".join(traceback.format_exception(kind, exc, tb))))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread else "?"
        text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
        sys.stderr.write(masker.clean(f"Exception in thread {name}:\n{text}"))

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    return masker
