"""Normalisation, clause splitting and negation marking of free text (bot/engine/text.py)."""

from __future__ import annotations

import pytest

from bot.engine.text import MAX_CHARS, clauses, features, looks_foreign, normalise, stem

ODD = [
    "",
    " ",
    "x" * 10_000,
    "😀🔥💾",
    "גיבוי לא עובד",
    "\u202eenoh\u202c",
    "\x00\x01\x1b[31m\x7f",
    "\ud800 lone surrogate \udfff",
    "\u200b\u200d",
    "ＩＣＬＯＵＤ ｆｕｌｌ",
    "...???!!!",
    "\t\n\r",
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("iCloud FULL", "icloud full"),
        ("Ça ne marche pas: café", "ca ne marche pas cafe"),
        ("icloud, full!!! (again?)", "icloud full again"),
        ("pleeeease heeelp", "please help"),
        ("it doesn't work", "it doesnt work"),
        ("it doesn’t work", "it doesnt work"),
        ("Wi-Fi keeps dropping", "wifi keeps dropping"),
        ("i cloud back up", "icloud backup"),
        ("I-Tunes on my I Phone", "itunes on my iphone"),
    ],
)
def test_normalise(raw, expected):
    """Case, accents, punctuation, stretched letters, apostrophes and split spellings all fold away."""
    assert normalise(raw) == expected


def test_normalise_keeps_doubled_letters():
    """Only three or more repeats are squeezed: real double letters ("full", "too") survive."""
    assert normalise("too full") == "too full"


@pytest.mark.parametrize("raw", ODD)
def test_odd_text_never_raises(raw):
    """normalise, clauses, features and looks_foreign accept anything a person can send."""
    assert isinstance(normalise(raw), str)
    assert isinstance(clauses(raw), list)
    assert isinstance(features(raw), list)
    assert looks_foreign(raw) in (True, False)


def test_long_text_is_cut():
    """Only the first MAX_CHARS characters are read, which keeps matching time bounded."""
    assert len(normalise("a " * 10_000)) <= MAX_CHARS


def test_negation_marks_following_word():
    """'not icloud' yields ~icloud and no plain icloud."""
    feats = features("not icloud, i use itunes")
    assert "~icloud" in feats and "icloud" not in feats
    assert stem("itunes") in feats


def test_self_answered_question_is_ruled_out():
    """'icloud full? no' rules out icloud and full; the sentence after it stays positive."""
    feats = features("icloud full? no, 180gb free. wifi keeps dropping")
    assert {"~icloud", "~full"} <= set(feats)
    assert "icloud" not in feats and "full" not in feats
    assert "wifi" in feats


def test_unanswered_question_is_not_ruled_out():
    """A plain question without 'no' after it keeps its words positive."""
    assert "icloud" in features("is my icloud full? it says so")


@pytest.mark.parametrize(
    ("raw", "ruled_out"),
    [
        ("plenty of space on the phone", "~" + stem("space")),
        ("wifi is fine", "~wifi"),
    ],
)
def test_ruled_out_phrasings(raw, ruled_out):
    """'plenty of X' and 'X is fine' rule X out."""
    assert ruled_out in features(raw)


def test_lack_is_a_complaint_not_a_negation():
    """'not enough icloud storage' complains about iCloud: icloud stays positive."""
    feats = features("not enough icloud storage")
    assert "icloud" in feats and "~icloud" not in feats


def test_features_include_bigrams_of_kept_words():
    """Stopwords are dropped and neighbouring kept words form bigrams."""
    feats = features("the icloud storage is full")
    assert f"icloud {stem('storage')}" in feats and f"{stem('storage')} full" in feats
    assert "the" not in feats and "is" not in feats


@pytest.mark.parametrize(
    "raw",
    [
        "Резервное копирование не работает",
        "我的iPhone无法备份",
        "مشكلة في النسخ الاحتياطي للايفون",
        "Mon iPhone ne fait plus de sauvegarde, je ne sais pas pourquoi",
        "Mi iPhone no hace la copia de seguridad en iCloud",
    ],
)
def test_foreign_text_is_detected(raw):
    """Other scripts, and clearly French/Spanish sentences, count as another language."""
    assert looks_foreign(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "my iphone wont back up",
        "icloud full",
        "café wifi wont let my backup through",
        "No backup since Monday, error 0xE8000015",
    ],
)
def test_english_is_not_foreign(raw):
    """English messages, even with a stray accented or foreign-looking word, are not foreign."""
    assert not looks_foreign(raw)
