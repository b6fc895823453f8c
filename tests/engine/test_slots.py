"""Slots filled from the person's own words (bot/engine/slots.py): only unambiguous, non-negated mentions."""

from __future__ import annotations

import pytest

from bot.engine.slots import extract_slots, ios_bucket


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my icloud backup keeps failing", {"route": "icloud"}),
        ("backing up to my computer fails", {"route": "computer"}),
        ("finder does not show the phone", {"route": "computer", "computer": "mac_finder"}),
        ("itunes on my windows pc says error", {"route": "computer", "computer": "win_itunes"}),
        ("itunes on my old macbook", {"route": "computer"}),  # no macOS named: "Finder or iTunes?" is asked
        ("my mac runs mojave", {"route": "computer", "computer": "mac_itunes"}),
        ("the apple devices app crashes", {"route": "computer", "computer": "win_devices"}),
        ("on iOS 17.4 the icloud backup fails", {"route": "icloud", "ios": "ios17_plus"}),
        ("ios 16 here", {"ios": "ios15_16"}),
        ("still on ios 12", {"ios": "ios14_or_earlier"}),
        ("iOS26 beta", {"ios": "ios17_plus"}),
    ],
)
def test_slots_from_text(text, expected):
    """Route, computer and iOS version are read from plain mentions."""
    assert extract_slots(text) == expected


def test_negated_mention_is_ignored():
    """'not icloud' does not set the route to icloud; the positive mention wins."""
    assert extract_slots("not icloud, itunes on windows") == {"route": "computer", "computer": "win_itunes"}
    assert "route" not in extract_slots("not icloud")


def test_both_routes_mentioned_is_ambiguous():
    """Mentioning iCloud and a computer leaves the route open: we ask instead of guessing."""
    assert "route" not in extract_slots("icloud fails and my laptop too")


@pytest.mark.parametrize("text", ["nothing here", "", "ios 2", "ios 99", "😀", "x" * 10_000, "\ud800"])
def test_no_slots(text):
    """Unrelated text, impossible versions and odd input fill nothing and never raise."""
    assert extract_slots(text) == {}


@pytest.mark.parametrize(
    ("version", "bucket"),
    [
        (26, "ios17_plus"),
        (17, "ios17_plus"),
        (16, "ios15_16"),
        (15, "ios15_16"),
        (14, "ios14_or_earlier"),
        (9, "ios14_or_earlier"),
    ],
)
def test_ios_bucket_edges(version, bucket):
    """Version numbers fall into the buckets the content's placeholders are written for."""
    assert ios_bucket(version) == bucket
