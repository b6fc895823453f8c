"""Normalisation, clause splitting and negation marking of free text (bot/engine/text.py)."""

from __future__ import annotations

import pytest

from bot.engine.text import (
    MAX_CHARS,
    PHONE_TOKEN,
    SCAM_TOKEN,
    clauses,
    concepts,
    features,
    looks_foreign,
    normalise,
    stem,
    unsure,
    vaguely_about,
)

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
        ("i dont use icloud at all", "~icloud"),  # what the person doesn't use
        ("we dont have a mac", "~mac"),
        ("already deleted my old ipad backups", "~ipad"),  # a fix already done is no clue
        ("restarted, reset network settings", "~reset"),  # an enumeration of things tried
    ],
)
def test_ruled_out_phrasings(raw, ruled_out):
    """'plenty of X' and 'X is fine' rule X out."""
    assert ruled_out in features(raw)


@pytest.mark.parametrize("raw", ["i dont have internet at home", "i dont have enough space on my mac"])
def test_not_having_what_a_backup_needs_is_the_complaint(raw):
    """Lacking internet or space is the symptom, not something ruled out."""
    assert not any(f.startswith("~") for f in features(raw))


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
        "Tôi không thể sao lưu iPhone lên iCloud được nữa",  # Latin script, but accented throughout
        "mein handy macht seit gestern kein backup mehr",
        "mijn iphone maakt geen back-up meer",
    ],
)
def test_foreign_text_is_detected(raw):
    """Other scripts, accented Latin-script languages, and clearly French/Spanish/German/Dutch... sentences
    count as another language."""
    assert looks_foreign(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "my iphone wont back up",
        "icloud full",
        "café wifi wont let my backup through",
        "naïve question: why does my résumé app block the backup",  # a few accented words are still English
        "plus my icloud is full",
        "No backup since Monday, error 0xE8000015",
    ],
)
def test_english_is_not_foreign(raw):
    """English messages, even with a stray accented or foreign-looking word, are not foreign."""
    assert not looks_foreign(raw)


SPACE = stem("space")


@pytest.mark.parametrize(
    "raw",
    [
        "call 1-800-555-0199 now",
        "+1 (888) 555-0142 toll free",
        "dial 1.855.555.0177",
        "helpline 0800 123 4567",
        "+44 20 7946 0958",
    ],
)
def test_phone_numbers_become_one_token(raw):
    """Any phone number, however it is written, is the same token."""
    assert PHONE_TOKEN in normalise(raw).split()


@pytest.mark.parametrize("raw", ["ios 17.5.1", "2024-01-15", "128 256 512 gb", "iphone 12 13 14 15 16", "error -54"])
def test_versions_dates_and_sizes_are_not_phone_numbers(raw):
    """Versions, dates, sizes and lists of models keep their digits."""
    assert PHONE_TOKEN not in normalise(raw).split()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("i don't know", True),
        ("no idea", True),
        ("Not sure!", True),
        ("idk tbh", True),
        ("dunno, sorry", True),
        ("i have no clue", True),
        ("no idea why my icloud backup fails", False),
        ("not sure, maybe the wifi", False),
        ("i dont know my apple id password", False),
        ("no", False),
    ],
)
def test_unsure_is_only_a_message_that_says_nothing_else(raw, expected):
    """'no idea' alone is an unsure answer; with a problem named after it, it is not."""
    assert unsure(raw) is expected


@pytest.mark.parametrize(
    ("raw", "family"),
    [
        ("emsisoft blocks it", "@security"),
        ("trend micro is installed", "@security"),
        ("F-Secure on the pc", "@security"),
        ("it went for a swim in the lake", "@liquid"),
        ("spilled coffee on it", "@liquid"),
        ("dropped my phone on the stairs", "@impact"),
        ("i sat on my phone", "@impact"),
    ],
)
def test_word_families(raw, family):
    """A brand or word of a family yields the family's feature, also when written as two words."""
    assert family in concepts(features(raw))


def test_a_ruled_out_family_member_rules_out_the_family():
    """'not norton' is no clue for security software."""
    assert concepts(features("its not norton")) == ["~@security"]


def test_wifi_dropping_is_no_impact():
    """'drop' alone is how connections fail, not a fall: no impact family."""
    assert "@impact" not in concepts(features("wifi keeps dropping during the backup"))


@pytest.mark.parametrize(
    "raw",
    [
        "the phone says 64 GB available",
        "mac has 400gb free",
        "i have 1tb free on icloud",
        "used 20gb of 200gb",
        "I pay for 2 TB and it's half empty",
        "the icloud plan is 200gb and the backup is only 12gb",
        "i have 2tb with 1.6tb free",  # a capacity and its free part: the capacity is no need
    ],
)
def test_room_to_spare_rules_space_out(raw):
    """Amounts that leave room to spare say space is not the problem."""
    feats = features(raw)
    assert "~" + SPACE in feats and SPACE not in feats


@pytest.mark.parametrize(
    "raw",
    [
        "the laptop has 15 GB free and the phone uses 120",
        "c drive: 9 gb left, the backup needs about 70",
        "only 200mb left",
        "used 4.9 gb of 5 gb",
        "50gb plan, backup needs 74gb",
        "the computer doesnt have enough free space",
        "256gb and only 500mb left",
    ],
)
def test_too_little_room_is_a_lack_of_space(raw):
    """Free space smaller than what must fit, or almost none, is a lack of space (a positive clue)."""
    feats = features(raw)
    assert SPACE in feats and "~" + SPACE not in feats


def test_the_free_tier_is_not_free_space():
    """'the free 5gb' names the plan, not room to spare."""
    assert "~" + SPACE not in features("i only have the free 5gb")


@pytest.mark.parametrize("raw", ["it fails on every network i tried", "all wifi networks fail", "same on any network"])
def test_failing_everywhere_rules_the_network_out(raw):
    """A failure on every network is no clue for the network."""
    feats = features(raw)
    assert not {"wifi", "network"} & set(feats)


@pytest.mark.parametrize(
    ("raw", "ruled_out"),
    [
        ("toggled icloud backup off and on", "~" + stem("toggled")),
        ("signed out of icloud and back in", "~signout"),
        ("i restarted both", "~" + stem("restarted")),
        ("already reinstalled itunes", "~" + stem("reinstalled")),
    ],
)
def test_what_was_tried_is_ruled_out(raw, ruled_out):
    """Something the person already did is not a clue to the cause."""
    assert ruled_out in features(raw)


@pytest.mark.parametrize("raw", ["the phone restarted during the backup", "it keeps restarting"])
def test_a_restart_that_happens_is_a_symptom(raw):
    """The phone restarting by itself stays a positive clue."""
    assert stem("restarted") in features(raw)


def test_signing_in_folds_like_sign_in():
    """'signing in again' is the same token as 'sign in'."""
    assert normalise("signing in again") == normalise("sign in again")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("phone shows some message about my account", True),
        ("it says something about storage", True),
        ("some weird popup about my apple id keeps coming back", True),
        ("icloud storage is full", False),  # the message itself
        ("my apple id is locked", False),
    ],
)
def test_a_topic_named_without_its_message(raw, expected):
    assert vaguely_about(raw) is expected


@pytest.mark.parametrize(
    ("raw", "scam"),
    [
        ("got a text saying my icloud will be deleted unless i click the link", True),
        ("an email with a link says verify your card or lose your backups", True),
        ("i clicked the verification link but the email still isn't verified", False),  # no threat: a real problem
        ("my apple id is suspended", False),  # no relayed message with a link
    ],
)
def test_a_relayed_message_with_a_link_and_a_threat_is_marked_as_a_scam(raw, scam):
    assert (SCAM_TOKEN in normalise(raw).split()) is scam
