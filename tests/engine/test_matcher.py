"""Understanding free text (bot/engine/matcher.py): right category despite typos, pasted alerts recognised,
"none" for what the bot does not handle, no strong match on one shared common word, never an exception."""

from __future__ import annotations

import re

import pytest

from bot.engine.matcher import Matcher
from bot.engine.model import CATEGORIES

ODD = [
    "",
    "   ",
    "x" * 10_000,
    "backup " * 3_000,
    "😀🔥💾📱",
    "גיבוי לא עובד \u202e",
    "\x00\x01\x07\x1b",
    "\ud800abc\udfff",
    "\u200b\u200d\ufeff",
    "%s {0} {title} \\",
    "<b>icloud</b>",
    "🇫🇷" * 500,
]


def _cause_of(catalog, phrase_start: str) -> str:
    """The category of the cause intent that ships a phrase starting with `phrase_start` (no hard-coded ids)."""
    for intent in catalog.intents.values():
        if intent.kind == "cause" and any(p.startswith(phrase_start) for p in intent.phrases):
            return intent.category
    raise AssertionError(phrase_start)


@pytest.mark.parametrize(
    ("typo", "clean"),
    [
        ("icoud storage ful cant bakcup", "icloud storage full cant backup"),
        ("wifi kepps droping during bakup", "wifi keeps dropping during backup"),
        ("forgot my bakcup pasword", "forgot my backup password"),
        ("computr doesnt reconize my iphone", "computer doesnt recognize my iphone"),
    ],
)
def test_typos_reach_the_same_intent(matcher, typo, clean):
    """A misspelt message is understood as the same intent as its correct spelling."""
    expected = matcher.match(clean)
    assert expected.category in CATEGORIES
    assert matcher.match(typo).intent == expected.intent


def test_shouting_accents_and_stretching_do_not_matter(matcher):
    """Case, accents and stretched letters give the same match as the plain message."""
    plain = matcher.match("icloud storage is full please")
    for variant in ("ICLOUD STORAGE IS FULL!!! PLEASE", "icloud storaaage is fúll pleeease"):
        assert matcher.match(variant).intent == plain.intent


def test_alerts_are_recognised(catalog, matcher):
    """Every verbatim alert a cause intent ships, pasted alone, offers that intent (best or too close to call)."""
    missed = []
    for intent in catalog.intents.values():
        for alert in intent.alerts if intent.kind == "cause" else ():
            match = matcher.match(alert)
            if intent.id not in (match.intent, *match.ambiguous):
                missed.append((intent.id, alert, match.intent))
    assert not missed


def test_alerts_inside_a_story_are_recognised(catalog, matcher):
    """An alert pasted in the middle of a message still points at its intent."""
    missed = []
    for intent in catalog.intents.values():
        for alert in intent.alerts if intent.kind == "cause" else ():
            match = matcher.match(f"my phone showed this: {alert} what do i do now")
            if intent.id not in (match.intent, *match.ambiguous):
                missed.append((intent.id, match.intent))
    assert not missed


def test_generic_alerts_are_general(catalog, matcher):
    """Alerts of general intents (no cause in them) are understood as a backup problem of category general."""
    for intent in catalog.intents.values():
        for alert in intent.alerts if intent.kind == "general" else ():
            assert matcher.match(alert).category == "general", alert


def test_a_story_finds_its_cause(catalog, matcher):
    """A long, chatty message with one cause in it lands in that cause's category."""
    story = (
        "so yesterday i wanted to back up my phone before the update, went to settings and it says "
        "the icloud storage is full, i only have the free 5gb and i really dont want to pay"
    )
    assert matcher.match(story).category == _cause_of(catalog, "icloud full cant backup")


@pytest.mark.parametrize(
    "text",
    [
        "the weather is nice today",
        "what is the capital of france",
        "recipe for pancakes",
        "how tall is mount everest",
        "can you recommend a good movie",
        "my cat sleeps all day",
        "i want to buy a new car",
    ],
)
def test_unrelated_text_is_none(matcher, text):
    """Messages about something else entirely are category none."""
    assert matcher.match(text).category == "none"


@pytest.mark.parametrize(
    "text",
    [
        "Резервное копирование не работает",
        "我的iPhone无法备份",
        "Mon iPhone ne fait plus de sauvegarde, je ne sais pas pourquoi",
        "Mi iPhone no hace la copia de seguridad en iCloud",
        "Mein iPhone macht kein Backup mehr, was kann ich tun?",
        "Il mio iPhone non fa il backup",
    ],
)
def test_foreign_language_is_none(matcher, text):
    """A message in another language is not guessed at: category none, no intent."""
    match = matcher.match(text)
    assert (match.intent, match.category) == (None, "none")


@pytest.mark.parametrize(
    "word",
    [
        "iphone",
        "apple",
        "help",
        "backup",
        "phone",
        "settings",
    ],
)
def test_one_common_word_is_not_a_cause(matcher, word):
    """The WRatio trap: a single word shared with many long phrases must not pick a specific cause."""
    assert matcher.match(word).category not in CATEGORIES


def test_one_shared_word_scores_far_below_a_real_match(matcher):
    """'iphone' alone scores well under a real description of a problem."""
    real = matcher.match("icloud storage is full so the backup fails")
    assert matcher.match("iphone").score < real.score / 2


@pytest.mark.parametrize("text", ODD, ids=range(len(ODD)))
def test_odd_input_never_raises(matcher, text):
    """match() and rank() are total: any string gives a Match with a known category."""
    match = matcher.match(text)
    assert match.category in (*CATEGORIES, "general", "none")
    assert isinstance(matcher.rank(text), list)


def test_empty_and_emoji_are_none(matcher):
    """Nothing to read means no intent."""
    for text in ("", "   ", "😀🔥"):
        assert matcher.match(text).intent is None


@pytest.mark.parametrize("text", ["thank you so much", "can i talk to a human", "good morning", "bye"])
def test_small_talk_has_its_own_intents(catalog, matcher, text):
    """Thanks, a request for a person, greetings and goodbyes match their category-none intents."""
    match = matcher.match(text)
    assert match.category == "none"
    assert catalog.intents[match.intent].kind in ("thanks", "human", "greeting", "bye")


@pytest.mark.parametrize("text", ["hi", "hello"])
def test_bare_greeting_is_a_greeting(catalog, matcher, text):
    """The most common greetings, one word long, match the greeting intent."""
    assert matcher.match(text).intent == "greeting"


# ---------------------------------------------------------------- deterministic, with the tiny catalog


def test_ambiguity_is_flagged(tiny_matcher):
    """Two intents equally close to the message: the runner-up is listed as ambiguous."""
    match = tiny_matcher.match("sync stops halfway")
    assert {match.intent, *match.ambiguous} == {"halfway_cable", "halfway_port"}
    assert len(match.ambiguous) == 1


def test_clear_message_is_not_ambiguous(tiny_matcher):
    """A message that matches one of the two phrases exactly is not ambiguous."""
    match = tiny_matcher.match("sync stops halfway through")
    assert (match.intent, match.ambiguous) == ("halfway_cable", ())


def test_wider_margin_makes_more_ambiguity(tiny):
    """The margin is what decides ambiguity: a huge one makes every runner-up ambiguous."""
    wide = Matcher(tiny, margin=10.0)
    assert wide.match("icloud storage is full").ambiguous


def test_cutoff_decides_none(tiny):
    """Above the cutoff nothing matches; the same text matches with the default."""
    assert Matcher(tiny).match("icloud storage is full").intent == "icloud_full"
    assert Matcher(tiny, cutoff=100.0).match("icloud storage is full").intent is None


def test_rank_orders_by_score(tiny_matcher):
    """rank() returns candidates best first."""
    ranked = tiny_matcher.rank("computer disk is full")
    assert ranked[0].intent.id == "disk_full"
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


# ---------------------------------------------------------------- the weak kinds of issue 10, by kind of wording


def _category_of(catalog, intent_id: str) -> str:
    return catalog.intents[intent_id].category


def _names(catalog, word: str) -> bool:
    """True when some phrase, keyword or alert of the content contains `word` as words."""
    return any(
        re.search(rf"\b{re.escape(word)}\b", text.lower())
        for intent in catalog.intents.values()
        for text in (*intent.phrases, *intent.keywords, *intent.alerts)
    )


@pytest.mark.parametrize(
    "text",
    [
        "kaspersky is on my laptop, could it stop itunes backing up",
        "webroot on this pc and the iphone backup errors halfway",
        "malwarebytes premium, apple devices app fails to back up",
        "windows security blocked apple mobile device and backups fail",
        "i think my virus protection is stopping the backup on the computer",
    ],
)
def test_security_software_by_brand(catalog, matcher, text):
    """Security software named by brand or loosely is the security-software cause."""
    assert matcher.match(text).category == _cause_of(catalog, "mcafee is blocking")


@pytest.mark.parametrize("brand", ["emsisoft", "bullguard", "quick heal", "g data"])
def test_a_brand_the_content_never_names_still_reads_as_security_software(catalog, matcher, brand):
    """The word family carries brands that no phrase mentions."""
    assert not _names(catalog, brand)
    match = matcher.match(f"{brand} is installed on my pc and the itunes backup of my iphone fails")
    assert match.category == _cause_of(catalog, "mcafee is blocking")


@pytest.mark.parametrize(
    "text",
    [
        "my apple id got disabled and now nothing backs up",
        "it says it can't access my account every time the backup starts",
        "I changed my Apple ID password and now the backup keeps asking for it",
        "icloud wont take my password anymore so no backups",
        "locked out of my apple account, no icloud backup",
    ],
)
def test_loose_account_wording(matcher, text):
    """Account problems written loosely are account problems, not encryption or storage."""
    assert matcher.match(text).category == "account"


@pytest.mark.parametrize(
    "text",
    [
        "phone got wet and since then itunes doesn't detect it",
        "my kid spilled juice on the iphone, now the laptop doesn't recognise it for the backup",
        "dropped it down the stairs and now it disconnects from itunes during the backup",
        "the usb port on my pc is dead and the iphone backup keeps stopping",
        "the cable only charges, no data, and finder never shows the phone",
    ],
)
def test_hardware_clues(matcher, text):
    """Water, a drop, a dead port or a charge-only cable, with a backup that fails, is hardware."""
    assert matcher.match(text).category == "hardware"


def test_a_wet_phone_without_a_backup_is_a_repair(catalog, matcher):
    """Water damage with no backup in the message stays out of scope."""
    assert matcher.match("dropped my iphone in water, is it ruined").category == "none"


@pytest.mark.parametrize(
    "text",
    [
        "Call our iCloud helpline 1-800-555-0199 for instant backup support",
        "icloud storage full? our experts are available at 1.855.555.0177 call now",
        "apple id disabled? call +1 (888) 555-0142, we unlock it in minutes",
    ],
)
def test_posts_with_phone_numbers_are_never_troubleshooting(catalog, matcher, text):
    """A post with a phone number is out of scope, whatever backup words it uses."""
    match = matcher.match(text)
    assert match.category == "none"
    assert catalog.intents[match.intent].kind == "out_of_scope"


@pytest.mark.parametrize(
    "text",
    [
        "how do i move everything from my old iphone to the new one",
        "quick start stuck on transferring data for hours",
        "my new iphone arrived, how do i set it up from the old one",
    ],
)
def test_moving_to_a_new_iphone_is_out_of_scope(matcher, text):
    """A transfer question about a new iPhone is not a failed backup."""
    assert matcher.match(text).category == "none"


def test_a_new_iphone_with_no_icloud_space_is_storage(catalog, matcher):
    """The same move with a backup that doesn't fit in iCloud is the storage cause."""
    text = "new iphone comes friday and the old one can't back up, icloud says not enough storage"
    assert matcher.match(text).category == "storage"


@pytest.mark.parametrize(
    "text",
    [
        "the battery drains and iCloud says not enough storage",
        "phone gets hot and slow lately, and it says icloud storage full so it can't back up",
        "my camera is broken but whatever, cant back up cause icloud has no space",
    ],
)
def test_mixed_messages_keep_the_backup_problem(matcher, text):
    """A repair-sounding complaint next to a backup blocker: the backup blocker wins."""
    assert matcher.match(text).category == "storage"


@pytest.mark.parametrize("text", ["i don't know", "no idea", "not sure", "idk", "dunno tbh", "no clue sorry"])
def test_not_knowing_matches_no_intent(matcher, text):
    """'I don't know' answers nothing: no intent at all."""
    assert matcher.match(text).intent is None


@pytest.mark.parametrize(
    ("text", "not_category"),
    [
        ("I pay for 2 TB and it's half empty but the backup still fails", "storage"),
    ],
)
def test_quantities_and_everywhere_rule_a_category_out(matcher, text, not_category):
    """Numbers that leave room, or a failure on every network, rule that category out."""
    assert matcher.match(text).category != not_category


def test_failing_on_every_network_is_not_the_wifi(matcher):
    """Every network failing rules out the Wi-Fi cause (an outage at Apple stays possible)."""
    wifi = matcher.match("the wifi keeps dropping during the backup").intent
    assert matcher.match("it fails on every network i've tried, home, work, my sisters").intent != wifi


def test_too_little_room_on_the_computer_is_storage(matcher):
    """15 GB free for a phone that uses 120 is the computer's disk."""
    assert matcher.match("the laptop has 15 GB free and the phone uses 120, itunes backup fails").category == "storage"


@pytest.mark.parametrize(
    ("text", "failing"),
    [
        ("since the kiosk replaced my port the itunes backup fails", True),
        ("changed my apple id email and every backup errors out", True),
        ("how do i restore my backup to the new phone", False),  # a backup, nothing failing: may be out of scope
        ("my screen is cracked and it won't turn on", False),  # failing, but no backup named
    ],
)
def test_a_failing_backup_is_never_overruled_as_out_of_scope(text, failing):
    """The out-of-scope override (SCOPE_MASS) stands back when a backup is said to fail."""
    assert Matcher._backup_failing(text) is failing


@pytest.mark.parametrize(
    "text",
    [
        "a text warned me my apple id gets suspended unless i click the link inside",
        "email said my icloud backup failed, click here and verify your card",
    ],
)
def test_phishing_with_a_link_is_out_of_scope(matcher, text):
    """Issue 10.7: scams are out of scope and never get troubleshooting, with a link as with a phone number."""
    match = matcher.match(text)
    assert match.category == "none" and match.intent == "phishing_link"


def test_a_link_in_a_real_account_problem_is_still_the_account(matcher):
    assert matcher.match("i clicked the verification link but apple still says my email is not verified").category == (
        "account"
    )
