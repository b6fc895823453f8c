"""Redaction: Apple IDs and other e-mail addresses, phone numbers and device names go; error codes stay."""

from __future__ import annotations

import pytest

from bot.engine.matcher import Matcher
from bot.vision.redact import HIDDEN, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Enter the password for anna.k+1@icloud.com.", f"Enter the password for {HIDDEN}."),
        ("Apple ID: o'brien@example.co.uk", f"Apple ID: {HIDDEN}"),
        ("Call +1 (408) 555-0123 now", f"Call {HIDDEN} now"),
        ("sent to 0151 2345 6789", f"sent to {HIDDEN}"),
        (
            'iTunes could not back up the iPhone "Anna\'s iPhone" because',
            f"iTunes could not back up the iPhone “{HIDDEN}” because",
        ),
        ("The iPhone “Work phone” could not be backed up", f"The iPhone “{HIDDEN}” could not be backed up"),
        ("‘Olga’s iPad’ is full", f"‘{HIDDEN}’ is full"),
        ("Anna’s MacBook Pro has no space", f"{HIDDEN} has no space"),
        ("Anna'siPhone", HIDDEN),  # OCR loses the space
    ],
)
def test_personal_data_is_hidden(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "iTunes could not connect to this iPhone because an unknown error occurred (0xE8000065)",
        "MBErrorDomain/105, 4.2 GB of 5 GB used, last backup 22:14, error 4013",
        "Tap “Back Up Now”, then “Trust This Computer?” and “Back Up This iPhone”",
        "Backups: 12 March 2024",
    ],
)
def test_error_codes_figures_and_quoted_labels_stay(text):
    assert redact(text) == text


def test_a_redacted_alert_is_understood_as_the_original(matcher: Matcher):
    original = 'iTunes could not back up the iPhone "Anna\'s iPhone" because the iPhone disconnected.'
    assert matcher.match(redact(original)).intent == matcher.match(original).intent == "cable_or_port"
