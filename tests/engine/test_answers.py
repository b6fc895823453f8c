"""Typed answers (bot/engine/answers.py): brands, Mac models, phone models, numbers, 'no idea', the route."""

from __future__ import annotations

import pytest

from bot.engine.answers import MAC_APPS, WINDOWS_APPS, dont_know, family, read_slot, stated_route, typed


@pytest.mark.parametrize(
    ("text", "slot", "value"),
    [
        ("dell laptop with itunes", "computer", "win_itunes"),
        ("lenovo, the apple devices app", "computer", "win_devices"),
        ("imac on mojave", "computer", "mac_itunes"),
        ("itunes on my macbook", "computer", None),  # no macOS named: Finder or iTunes is asked
        ("17.5", "ios", "ios17_plus"),
        ("it's old, 16.2", "ios", "ios15_16"),  # the explicit number beats "old"
        ("my iphone 11", "ios", None),  # a phone model is no iOS version
        ("iphone 12 on ios 14", "ios", "ios14_or_earlier"),
        ("my 15 pro", "ios", None),
        ("no idea", "ios", "not_sure"),
        ("no idea", "computer", "not_sure"),
    ],
)
def test_read_slot(catalog, text, slot, value):
    assert read_slot(catalog, slot, text) == value


def test_brands_and_models_become_the_options_words():
    assert typed("my HP pavilion") == "my windows windows"
    assert typed("a MacBook Air") == "a mac"
    assert "11" not in typed("iphone 11 pro")


def test_family():
    assert family("my macbook") == MAC_APPS
    assert family("asus laptop") == WINDOWS_APPS
    assert family("i have a pc and a mac") == ()


@pytest.mark.parametrize("text", ["I don't know", "no idea", "not sure", "idk", "dunno"])
def test_dont_know(text):
    assert dont_know(text)


def test_dont_know_is_whole_answers_only():
    assert not dont_know("i dont know why the backup fails on wifi")


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("it's icloud, I don't use a computer", "icloud"),
        ("not icloud, my laptop", "computer"),
        ("with a cable to my pc", "computer"),
        ("whatever", None),
    ],
)
def test_stated_route(text, route):
    assert stated_route(text) == route
