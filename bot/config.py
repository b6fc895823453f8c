"""Settings from the environment (and an optional `.env` file). The only module that reads the environment.

The bot token is wrapped in `Secret`, whose repr and str are masked, so it cannot end up in a log line.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# In a source checkout the defaults live beside bot/; when installed elsewhere, in the working directory.
_BASE = PROJECT_ROOT if (PROJECT_ROOT / "intents").is_dir() else Path.cwd()
DEFAULT_DB = _BASE / "data" / "bot.sqlite3"
DEFAULT_INTENTS = _BASE / "intents"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Secret:
    """A string that never shows itself in repr(), str() or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it and says what is expected."""


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines; blank lines and # comments ignored; surrounding quotes removed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


def _int(env: Mapping[str, str], key: str, default: int, low: int = 0, high: int = 10**9) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{key} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], key: str, default: float, low: float = 0.0, high: float = 1e9) -> float:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number (decimals allowed), got {raw!r}") from None
    if not low <= value <= high:  # also refuses nan
        raise SettingsError(f"{key} must be between {low:g} and {high:g}, got {raw}")
    return value


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{key} must be true or false, got {raw!r}")


def _api_url(raw: str) -> str | None:
    """The Bot API prefix PTB's base_url wants ('.../bot'); the server's root URL is accepted too."""
    url = raw.strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"TELEGRAM_API_URL must be an http(s) URL like http://127.0.0.1:8081/bot, got {raw!r}")
    return url if url.endswith("/bot") else url + "/bot"


@dataclass(frozen=True, slots=True)
class Settings:
    token: Secret = field(default_factory=lambda: Secret(""))
    api_url: str | None = None  # TELEGRAM_API_URL: base URL of a self-hosted Bot API server
    db_path: Path = DEFAULT_DB
    intents_dir: Path = DEFAULT_INTENTS
    session_ttl_hours: int = 24
    webhook_url: str | None = None  # public HTTPS URL; webhook mode when set
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: Secret = field(default_factory=lambda: Secret(""))
    support_chat_id: int | None = None
    hide_operator_names: bool = False
    retention_days: int = 90
    health_port: int = 0  # 0 = off
    send_rate_limit: int = 30  # messages per second overall; 0 = no pacing
    log_level: str = "INFO"
    checkin_minutes: float = 30.0  # "Check back with me" writes after this long; 0 = no check-ins

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
        env: dict[str, str] = read_env_file(env_file or Path(".env"))
        # an empty variable means "not set": it must not hide a value from .env
        env.update({k: v for k, v in (os.environ if environ is None else environ).items() if v.strip()})
        support = env.get("SUPPORT_CHAT_ID", "").strip()
        webhook_url = env.get("WEBHOOK_URL", "").strip() or None
        secret = env.get("WEBHOOK_SECRET", "").strip()
        if webhook_url and not secret:
            raise SettingsError("WEBHOOK_SECRET is required with WEBHOOK_URL (1-256 characters: A-Z a-z 0-9 _ -)")
        if secret and not _SECRET.fullmatch(secret):
            raise SettingsError("WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        if webhook_url and not webhook_url.startswith("https://"):
            raise SettingsError(
                f"WEBHOOK_URL must start with https:// (Telegram only calls HTTPS), got {webhook_url!r}"
            )
        log_level = (env.get("LOG_LEVEL", "").strip() or "INFO").upper()
        if not isinstance(logging.getLevelName(log_level), int):
            raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
        try:
            support_id = int(support) if support else None
        except ValueError:
            raise SettingsError(
                f"SUPPORT_CHAT_ID must be a chat id (a number like -1001234567890), got {support!r}"
            ) from None
        return cls(
            token=Secret(env.get("TELEGRAM_BOT_TOKEN", "").strip()),
            api_url=_api_url(env.get("TELEGRAM_API_URL", "")),
            db_path=Path(env.get("BOT_DB", "").strip() or DEFAULT_DB),
            intents_dir=Path(env.get("BOT_INTENTS", "").strip() or DEFAULT_INTENTS),
            session_ttl_hours=_int(env, "SESSION_TTL_HOURS", 24, low=1),
            webhook_url=webhook_url,
            webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
            webhook_port=_int(env, "WEBHOOK_PORT", 8443, low=1, high=65535),
            webhook_secret=Secret(secret),
            support_chat_id=support_id,
            hide_operator_names=_bool(env, "HIDE_OPERATOR_NAMES", False),
            retention_days=_int(env, "RETENTION_DAYS", 90, low=1),
            health_port=_int(env, "HEALTH_PORT", 0, high=65535),
            send_rate_limit=_int(env, "SEND_RATE_LIMIT", 30, high=100_000),
            log_level=log_level,
            checkin_minutes=_float(env, "CHECKIN_MINUTES", 30.0, high=7 * 24 * 60),
        )
