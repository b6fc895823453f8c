"""Settings from the environment (bot/config.py): declarations with defaults, masked secrets, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_DB, Secret, Settings, SettingsError, read_env_file

TOKEN = "123456:ABC-very-secret-token"


@pytest.fixture
def no_env_file(tmp_path):
    return tmp_path / "absent.env"


def test_defaults_from_an_empty_mapping(no_env_file):
    """No variables: no token, the default database, polling, 24-hour sessions."""
    settings = Settings.from_env({}, env_file=no_env_file)
    assert not settings.token
    assert settings.db_path == DEFAULT_DB
    assert settings.webhook_url is None and settings.session_ttl_hours == 24
    assert settings.send_rate_limit == 30  # Telegram's limit, messages per second overall


def test_values_from_a_mapping(no_env_file):
    """Every variable is read from the mapping passed in, converted to its type."""
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BOT_DB": "/tmp/b.sqlite3",
            "SESSION_TTL_HOURS": "2",
            "SUPPORT_CHAT_ID": "-1001234567890",
            "HIDE_OPERATOR_NAMES": "yes",
            "LOG_LEVEL": "debug",
            "WEBHOOK_URL": "https://example.org/hook",
            "WEBHOOK_SECRET": "abc_DEF-123",
            "SEND_RATE_LIMIT": "0",
        },
        env_file=no_env_file,
    )
    assert settings.token.reveal() == TOKEN
    assert settings.db_path == Path("/tmp/b.sqlite3")
    assert settings.session_ttl_hours == 2 and settings.support_chat_id == -1001234567890
    assert settings.hide_operator_names is True and settings.log_level == "DEBUG"
    assert settings.webhook_secret.reveal() == "abc_DEF-123"
    assert settings.send_rate_limit == 0


def test_secret_is_masked_everywhere():
    """repr, str, f-strings and the Settings repr never show the token."""
    secret = Secret(TOKEN)
    settings = Settings(token=secret)
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr(settings), str([secret])):
        assert TOKEN not in shown and "ABC" not in shown
    assert secret.reveal() == TOKEN


def test_secret_truthiness():
    """An empty secret is falsy, so `if settings.token` means 'a token is set'."""
    assert not Secret("") and Secret("x")


def test_env_file_parsing(tmp_path):
    """KEY=value lines; comments, blanks and malformed lines skipped; quotes and `export` removed."""
    path = tmp_path / ".env"
    path.write_text(
        "# comment\n\nTELEGRAM_BOT_TOKEN=\"123:abc\"\nexport BOT_DB='/data/x.db'\n"
        "not a pair\nLOG_LEVEL = warning \nEMPTY=\n",
        encoding="utf-8",
    )
    assert read_env_file(path) == {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "BOT_DB": "/data/x.db",
        "LOG_LEVEL": "warning",
        "EMPTY": "",
    }


def test_environment_overrides_env_file(tmp_path):
    """A value in the environment wins over the same key in .env; other .env keys still apply."""
    path = tmp_path / ".env"
    path.write_text("LOG_LEVEL=warning\nSESSION_TTL_HOURS=5\n", encoding="utf-8")
    settings = Settings.from_env({"LOG_LEVEL": "error"}, env_file=path)
    assert settings.log_level == "ERROR" and settings.session_ttl_hours == 5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SESSION_TTL_HOURS", "a day"),
        ("WEBHOOK_PORT", "84.43"),
        ("RETENTION_DAYS", "ninety"),
        ("HEALTH_PORT", "0x10"),
        ("SUPPORT_CHAT_ID", "@mygroup"),
        ("HIDE_OPERATOR_NAMES", "maybe"),
        ("SEND_RATE_LIMIT", "fast"),
        ("SEND_RATE_LIMIT", "-1"),
        ("CHECKIN_MINUTES", "half an hour"),
        ("CHECKIN_MINUTES", "-5"),
        ("CHECKIN_MINUTES", "nan"),
    ],
)
def test_bad_values_name_the_variable(no_env_file, name, value):
    """A malformed number or flag raises SettingsError naming the variable and the bad value."""
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value}, env_file=no_env_file)
    assert name in str(info.value) and value in str(info.value)


def test_webhook_url_needs_a_secret(no_env_file):
    """WEBHOOK_URL without WEBHOOK_SECRET is refused, naming the missing variable."""
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings.from_env({"WEBHOOK_URL": "https://example.org/hook"}, env_file=no_env_file)


def test_webhook_secret_characters(no_env_file):
    """A webhook secret with characters Telegram rejects is refused up front."""
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings.from_env({"WEBHOOK_URL": "https://e.org", "WEBHOOK_SECRET": "has spaces!"}, env_file=no_env_file)


def test_checkin_minutes_default_and_decimals(no_env_file):
    """Check-ins after 30 minutes by default; decimals allowed (tests use a fraction of a second)."""
    assert Settings.from_env({}, env_file=no_env_file).checkin_minutes == 30.0
    assert Settings.from_env({"CHECKIN_MINUTES": "0.01"}, env_file=no_env_file).checkin_minutes == 0.01
    assert Settings.from_env({"CHECKIN_MINUTES": "0"}, env_file=no_env_file).checkin_minutes == 0.0
