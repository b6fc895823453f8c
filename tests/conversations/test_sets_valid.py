"""Format checks for the independently written evaluation sets (tests/conversations/README.md).

These tests check shape only (valid JSON, known keys, known cause ids and vocabularies, sizes, coverage):
they never run the bot on the sets, so a change in the bot cannot make them pass or fail.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.engine.model import Catalog

HERE = Path(__file__).parent
TESTS = HERE.parent
# Round 2 and round 3 sets, each by an author who saw none of the others (tests/conversations/README.md).
SCENARIO_FILES = {
    "dev": (HERE / "dev.jsonl", 50),
    "holdout": (HERE / "holdout.jsonl", 100),
    "holdout3": (HERE / "holdout3.jsonl", 96),
    "dev3": (HERE / "dev3.jsonl", 80),
    "dev4": (HERE / "dev4.jsonl", 80),
}
MESSAGE_FILES = {
    "dev": (TESTS / "golden" / "round2_dev.jsonl", 200),
    "holdout": (TESTS / "holdout" / "round2_holdout.jsonl", 300),
    "holdout3": (TESTS / "holdout" / "round3_holdout.jsonl", 296),
    "dev3": (TESTS / "golden" / "round3_dev.jsonl", 239),
}
HOLDOUTS = {"holdout", "holdout3"}

# The causes the sets were written against: id -> (category, route), as handed to the set's author.
CAUSES: dict[str, tuple[str, str]] = {
    "session_expired": ("account", "icloud"),
    "unverified_email": ("account", "icloud"),
    "terms_pending": ("account", "icloud"),
    "signin_locked": ("account", "icloud"),
    "wrong_account": ("account", "icloud"),
    "plan_lapsed": ("account", "icloud"),
    "backup_deleted_180d": ("account", "icloud"),
    "forgot_password": ("encryption", "computer"),
    "unexpected_prompt": ("encryption", "computer"),
    "password_confusion": ("encryption", "computer"),
    "missing_sensitive_data": ("encryption", "computer"),
    "cable_or_port": ("hardware", "computer"),
    "not_charging": ("hardware", "icloud"),
    "screen_damaged": ("hardware", "both"),
    "device_fault": ("hardware", "both"),
    "wifi_unstable": ("network", "icloud"),
    "restricted_network": ("network", "icloud"),
    "cellular_only": ("network", "icloud"),
    "low_data_mode": ("network", "icloud"),
    "auto_backup_conditions": ("network", "icloud"),
    "apple_outage": ("network", "icloud"),
    "slow_or_stuck": ("network", "icloud"),
    "icloud_backup_off": ("software", "icloud"),
    "outdated_ios": ("software", "both"),
    "outdated_computer": ("software", "computer"),
    "temporary_glitch": ("software", "both"),
    "corrupt_backup": ("software", "computer"),
    "not_recognized": ("software", "computer"),
    "trust_pairing": ("software", "computer"),
    "security_software": ("software", "computer"),
    "wrong_destination": ("software", "computer"),
    "problem_app": ("software", "both"),
    "windows_app_conflict": ("software", "computer"),
    "screen_time": ("software", "icloud"),
    "managed_device": ("software", "both"),
    "icloud_full": ("storage", "icloud"),
    "backup_too_large": ("storage", "icloud"),
    "new_iphone": ("storage", "icloud"),
    "whatsapp_backup": ("storage", "icloud"),
    "iphone_full": ("storage", "both"),
    "computer_disk_full": ("storage", "computer"),
}
OUT_OF_SCOPE = "out_of_scope"
CATEGORIES = {"storage", "network", "software", "account", "hardware", "encryption", "general", "out_of_scope"}
ROUTES = {"icloud", "computer"}
COMPUTERS = {"mac_finder", "mac_itunes", "win_itunes", "win_devices", None}
IOS = {"ios17_plus", "ios15_16", "ios14_or_earlier", None}
SLOTS = {"route", "computer", "ios"}
TRIED = set(
    "restart_phone restart_computer other_cable other_port other_computer other_network update_ios "
    "update_computer reinstall_app sign_out_in free_icloud_space free_phone_space free_computer_space "
    "disable_security_software reset_network_settings trust_again toggle_backup vpn_off delete_old_backup "
    "buy_storage".split()
)
KINDS = {"a", "b", "c", "d", "e", "f", "t"}
SCENARIO_KEYS = {"id", "opening", "truth", "profile", "said", "tried", "facts", "followups", "note"}
OPTIONAL_SCENARIO_KEYS = {"kinds"}
PROFILE_KEYS = {"route", "computer", "ios"}
OPTIONAL_PROFILE_KEYS = {"ios_text", "computer_text"}
MESSAGE_KEYS = {"text", "category", "note"}
OPTIONAL_MESSAGE_KEYS = {"alt", "kinds"}
COMMON = (
    "icloud_full computer_disk_full not_recognized cable_or_port wifi_unstable security_software forgot_password "
    "outdated_ios corrupt_backup trust_pairing slow_or_stuck iphone_full backup_too_large".split()
)
# Words that name the computer's family: a profile must agree with what the person typed.
WINDOWS_WORDS = re.compile(r"\b(dell|hp|lenovo|asus|acer|surface|windows|pc)\b", re.IGNORECASE)
MAC_WORDS = re.compile(r"\b(macbook|imac|mac mini|mac|finder|macos)\b", re.IGNORECASE)


def _lines(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"{path.name}:{number}: blank line"
        row = json.loads(line)
        assert isinstance(row, dict), f"{path.name}:{number}: not an object"
        rows.append(row)
    return rows


def _scenarios(name: str) -> list[dict[str, Any]]:
    return _lines(SCENARIO_FILES[name][0])


def _messages(name: str) -> list[dict[str, Any]]:
    return _lines(MESSAGE_FILES[name][0])


def _scenario_problems(row: dict[str, Any]) -> list[str]:
    """Every format problem in one scenario, as readable strings (empty when it is well formed)."""
    where = row.get("id", "?")
    problems = []
    missing = SCENARIO_KEYS - row.keys()
    unknown = row.keys() - SCENARIO_KEYS - OPTIONAL_SCENARIO_KEYS
    if missing or unknown:
        return [f"{where}: missing {sorted(missing)} unknown {sorted(unknown)}"]
    truth, profile = row["truth"], row["profile"]
    if truth != OUT_OF_SCOPE and truth not in CAUSES:
        problems.append(f"{where}: unknown truth {truth!r}")
    if not (isinstance(row["opening"], str) and row["opening"].strip()):
        problems.append(f"{where}: empty opening")
    if not (isinstance(row["note"], str) and row["note"].strip()):
        problems.append(f"{where}: empty note")
    if not isinstance(profile, dict) or PROFILE_KEYS - profile.keys():
        return [*problems, f"{where}: profile needs {sorted(PROFILE_KEYS)}"]
    if profile.keys() - PROFILE_KEYS - OPTIONAL_PROFILE_KEYS:
        problems.append(f"{where}: unknown profile keys {sorted(profile.keys() - PROFILE_KEYS)}")
    route, computer = profile["route"], profile["computer"]
    if route not in ROUTES:
        problems.append(f"{where}: route {route!r}")
    if computer not in COMPUTERS:
        problems.append(f"{where}: computer {computer!r}")
    if profile["ios"] not in IOS:
        problems.append(f"{where}: ios {profile['ios']!r}")
    if route == "icloud" and computer is not None:
        problems.append(f"{where}: an iCloud profile names no computer")
    if truth in CAUSES and CAUSES[truth][1] != "both" and CAUSES[truth][1] != route:
        problems.append(f"{where}: {truth} is a {CAUSES[truth][1]} cause but the profile route is {route}")
    if computer == "mac_itunes" and not profile.get("computer_text"):
        problems.append(f"{where}: mac_itunes (Mojave or earlier) must say which Mac in computer_text")
    for key, vocabulary in (("said", SLOTS), ("tried", TRIED), ("kinds", KINDS)):
        values = row.get(key, [])
        if not isinstance(values, list) or set(values) - vocabulary or len(set(values)) != len(values):
            problems.append(f"{where}: {key} {values!r} outside {sorted(vocabulary)} or repeated")
    if not isinstance(row["facts"], dict):
        problems.append(f"{where}: facts must be an object")
    followups = row["followups"]
    if not isinstance(followups, list) or not all(isinstance(f, str) and f.strip() for f in followups):
        problems.append(f"{where}: followups must be a list of non-empty strings")
    else:
        typed = " ".join([row["opening"], *followups, profile.get("computer_text") or ""])
        if computer in {"win_itunes", "win_devices"} and MAC_WORDS.search(typed) and not WINDOWS_WORDS.search(typed):
            problems.append(f"{where}: a Windows profile but the person names a Mac")
        if computer in {"mac_finder", "mac_itunes"} and WINDOWS_WORDS.search(typed) and not MAC_WORDS.search(typed):
            problems.append(f"{where}: a Mac profile but the person names a Windows PC")
    return problems


def _message_problems(row: dict[str, Any], number: int) -> list[str]:
    where = f"line {number}"
    missing = MESSAGE_KEYS - row.keys()
    unknown = row.keys() - MESSAGE_KEYS - OPTIONAL_MESSAGE_KEYS
    if missing or unknown:
        return [f"{where}: missing {sorted(missing)} unknown {sorted(unknown)}"]
    problems = []
    if not (isinstance(row["text"], str) and row["text"].strip()):
        problems.append(f"{where}: empty text")
    if row["category"] not in CATEGORIES:
        problems.append(f"{where}: category {row['category']!r}")
    alt = row.get("alt", [])
    if not isinstance(alt, list) or set(alt) - CATEGORIES or row["category"] in alt:
        problems.append(f"{where}: alt {alt!r}")
    if set(row.get("kinds", [])) - KINDS:
        problems.append(f"{where}: kinds {row['kinds']!r}")
    return problems


@pytest.mark.parametrize("name", sorted(SCENARIO_FILES))
def test_scenarios_are_well_formed_and_sized(name: str) -> None:
    rows = _scenarios(name)
    problems = [p for row in rows for p in _scenario_problems(row)]
    assert problems == []
    assert len(rows) == SCENARIO_FILES[name][1]
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids), "scenario ids repeat"
    out_of_scope = sum(row["truth"] == OUT_OF_SCOPE for row in rows)
    assert 6 <= out_of_scope <= 10, f"{out_of_scope} out-of-scope openings"
    hard = sum(bool(set(row.get("kinds", [])) - {"t"}) for row in rows)
    assert hard * 2 >= len(rows), f"only {hard} scenarios exercise kinds (a)-(f)"


@pytest.mark.parametrize("name", sorted(MESSAGE_FILES))
def test_messages_are_well_formed_and_sized(name: str) -> None:
    rows = _messages(name)
    problems = [p for number, row in enumerate(rows, 1) for p in _message_problems(row, number)]
    assert problems == []
    assert len(rows) == MESSAGE_FILES[name][1]
    texts = [row["text"].strip().lower() for row in rows]
    assert len(set(texts)) == len(texts), "a message repeats"
    counts = Counter(row["category"] for row in rows)
    assert set(counts) == CATEGORIES, f"every category appears: {counts}"
    assert 0.12 <= counts["out_of_scope"] / len(rows) <= 0.18
    assert 0.08 <= counts["general"] / len(rows) <= 0.14


def test_every_cause_is_covered_twice_and_common_ones_more() -> None:
    counts = Counter(row["truth"] for name in SCENARIO_FILES for row in _scenarios(name))
    assert {cause for cause in CAUSES if counts[cause] < 2} == set()
    assert min(counts[cause] for cause in COMMON) > max(counts[cause] for cause in CAUSES if cause not in COMMON)


def _texts(names: set[str]) -> set[str]:
    texts = {row["opening"].strip().lower() for name in names & SCENARIO_FILES.keys() for row in _scenarios(name)}
    return texts | {row["text"].strip().lower() for name in names & MESSAGE_FILES.keys() for row in _messages(name)}


@pytest.mark.parametrize("holdout", sorted(HOLDOUTS))
def test_holdout_shares_no_text_with_any_other_set(holdout: str) -> None:
    others = (SCENARIO_FILES.keys() | MESSAGE_FILES.keys()) - {holdout}
    assert _texts({holdout}) & _texts(others) == set()


def test_cause_ids_match_the_shipped_catalog(catalog: Catalog) -> None:
    """The sets name causes by id: a renamed or re-categorised intent must be caught here, not in a score."""
    shipped = {i.id: (i.category, i.route) for i in catalog.intents.values() if i.kind == "cause"}
    assert {cause: shipped.get(cause) for cause in CAUSES} == CAUSES


def test_the_checks_reject_bad_rows() -> None:
    """The validators are not vacuous: each broken row is reported."""
    good = _scenarios("dev")[0]
    assert _scenario_problems(good) == []
    assert _scenario_problems({**good, "truth": "icloud_ful"})
    assert _scenario_problems({**good, "tried": ["rebooted"]})
    assert _scenario_problems({**good, "profile": {**good["profile"], "route": "computer", "computer": "mac_finder"}})
    assert _scenario_problems({**good, "truth": "corrupt_backup"})
    assert _message_problems({"text": "x", "category": "storage", "note": "n", "alt": ["storage"]}, 1)
    assert _message_problems({"text": "x", "category": "misc", "note": "n"}, 1)
