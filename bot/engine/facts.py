"""Facts from what the person says, kept for the whole conversation, and what they rule in and out.

People give the numbers that settle a problem ("the laptop has 15 GB free and the phone uses 120", "I pay for
2 TB and it's half empty"), say what they tried ("not the cable, tried three", "every network fails") and
what they already did ("I restarted the phone"). `read_facts` turns one message into quantities (GB, counts)
and the things done, in the content's TRIES vocabulary; `verdicts` says which causes those facts prove (+1)
or rule out (-1); `weigh` applies them to the matcher's ranked candidates. The matcher stays a pure reader of
words: facts are the engine's. Imports only the standard library and the engine's own modules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.engine.matcher import Candidate
from bot.engine.model import Match

REJECTED = "rejected:"  # a fact per intent ("rejected:icloud_full"): the person answered "something else" to it
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_UNIT = re.compile(_NUMBER + r"\s*(tb|terabytes?|gb|gigs?|gigabytes?|g\b|mb|megabytes?)?")
_NOT_A_SIZE = re.compile(r"(?:iphone|ios|macos|windows|win|os|version|pro|max|plus|se|step|error|code)\s*$")
_OF = re.compile(r"\b(?:of|out of|to|from|at|in)\s*$")  # "step 1 of 4", "at 3": a bare number there is no size
_SPLIT = re.compile(r"(?<!\d)[.,](?!\d)|[.,](?=\s)|[;!?\n]+|\b(?:and|but|while|whereas|though|although)\b")
_PHONE = re.compile(r"\b(?:i\s?phone|phone|ios|device)\b")
_ICLOUD = re.compile(r"\b(?:i\s?cloud\+?|plan|subscription|pay(?:ing)? for|paid for|storage plan|tier)\b")
_COMPUTER = re.compile(
    r"\b(?:laptop|computer|pc|mac|macbook|imac|mac mini|disk|drive|c:|ssd|hdd|hard ?drive|desktop|windows)\b"
)
_BACKUP = re.compile(r"\b(?:backup|back up|backups)\b")
_FREE_AFTER = re.compile(r"\s*(?:of\s+)?(?:free|available|left|remaining|spare|unused|empty|open)\b")  # "9gb left"
_FREE_BEFORE = re.compile(
    r"\b(?:free|available|left|remaining|spare)(?:\s+(?:space|storage|room))?(?:\s+(?:of|is|was))?\s*:?\s*(?:only\s+)?"
    r"(?:about\s+|around\s+|like\s+|~)?$"
)  # "free space: 12gb", "only 9 gb available" is after
_EXTERNAL = re.compile(r"\b(?:external|usb (?:drive|stick)|thumb ?drive|flash drive|nas|time machine)\b")
_CAPACITY = re.compile(r"\s*(?:macbook|laptop|mac|imac|pc|ssd|hdd|hard ?drive|drive|disk|model)\b")
_FREE = re.compile(r"\b(?:free|available|left|remaining|spare|empty|unused)\b")
_USED = re.compile(r"\b(?:uses?|used|using|taking|takes|in use|of data|full of|worth|needs?|is|big|size)\b")
_PLAN = re.compile(r"\b(?:pay(?:ing)? for|paid for|plan|subscription|tier|bought|have|got)\b")
_HALF_EMPTY = re.compile(r"\bhalf (?:empty|free)\b|\bonly (?:half|a quarter) (?:used|full)\b")
_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "several": 3, "multiple": 3, "many": 3, "2": 2, "3": 3}
_NEGATED = re.compile(
    r"\b(?:not|havent|haven't|didnt|didn't|never|cant|can't|couldnt|couldn't|no way to)\s+(?:\w+\s+){0,2}$"
)

# what the person did, in the content's TRIES vocabulary (bot/engine/content.py); one alternative a line
_DONE_WORDS: dict[str, tuple[str, ...]] = {
    "restart_phone": (
        r"\b(?:restart|reboot|rebooted|restarted|power cycled|turned off and on)\w*\s+(?:the |my"
        r" )?(?:i\s?phone|phone|both|everything|all)",
        r"\b(?:i\s?phone|phone) (?:was )?(?:restarted|rebooted)",
        r"\brestarted (?:it|everything|twice|again|several times|a few times|both)",
        r"\bforce restart",
        r"(?:^|[.,;!]\s*|\b(?:i|ive|already|and)\s+)(?:restarted|rebooted)\b(?!\s+(?:the |my )?(?:computer|pc|mac"
        r"|macbook|laptop|router|modem|itunes|finder))",
        r"\brestarting (?:it |the phone |my phone )?(?:didnt|didn't|did not|doesnt|doesn't) (?:help|work|fix)",
        r"\b(?:restart|reboot)\w*\s+(?:the |my )?(?:computer|pc|mac|macbook|laptop)\s+(?:and|&)\s+(?:the |my )?"
        r"(?:i\s?phone|phone)\b",
    ),
    "restart_computer": (
        r"\b(?:restart|reboot)\w*\s+(?:the |my )?(?:computer|pc|mac|macbook|laptop|both|everything)",
        r"\b(?:computer|pc|mac|laptop) (?:was )?(?:restarted|rebooted)",
        r"\b(?:restarted|rebooted) (?:them )?both\b",
        r"\b(?:restart|reboot)\w*\s+(?:the |my )?(?:i\s?phone|phone)\s+(?:and|&)\s+(?:the |my )?(?:computer|pc|mac"
        r"|macbook|laptop)\b",
    ),
    "other_cable": (
        r"\b(?:another|a different|different|other|new|second|third|two|three|several|multiple|many|original"
        r"|apple|every|all|\d+)\s+(?:\w+\s+)?(?:usb\s?c?\s+|lightning\s+)?cables?\b",
        r"\bnot the cable\b",
        r"\bcables? (?:are|is) fine\b",
        r"\b(?:changed|swapped|replaced) (?:the )?cables?\b",
        r"\bcables? (?:don'?t|doesn'?t) matter",
    ),
    "other_port": (
        r"\b(?:another|a different|different|other|every|all|each|both|two|three|several"
        r"|multiple|\d+)\s+(?:(?:of the |the )?(?:\d+\s+)?)?(?:usb(?:-?c)?\s+)?ports?\b",
        r"\bnot the port\b",
        r"\b(?:tried|used) the ports? on the (?:back|front|other side)\b",
    ),
    "other_computer": (
        r"\b(?:another|a different|different|other|second|my"
        r" (?:wife|husband|friend|partner)'?s?)\s+(?:computer|pc|laptop|mac)\b",
        r"\b(?:two|three|several|multiple|\d+)\s+(?:different\s+)?(?:computers|pcs|laptops|macs)\b",
        r"\b(?:works?|worked|fine|sees? it|saw it)\b.{0,30}\bon (?:my |the |a )?(?:work|office|other|friends?'?s?"
        r"|wifes?'?|husbands?'?|partners?'?|dads?'?|moms?'?|mums?'?|sisters?'?|brothers?'?)\s*(?:computer|pc|laptop|mac"
        r"|macbook)\b",
        r"\bthe (?:work|office|other) (?:computer|pc|laptop|mac) (?:sees|saw|finds|found|detects|detected)\b",
    ),
    "other_network": (
        r"\b(?:another|a different|different|other|every|all|each|several|multiple|two|three"
        r"|many|\d+)\s+(?:different\s+)?(?:wi-?fi\s+)?(?:networks?|wi-?fis?|routers?|hotspots?)\b",
        r"\bnot the (?:wi-?fi|network|internet)\b",
        r"\b(?:tried|on|using|used) (?:my |a |the )?(?:\w+s'?|\w+'s) (?:wi-?fi|network|hotspot)\b",
        r"\b(?:home|work|school|office) (?:and|&|,) (?:work|home|school|office|cafe|hotspot)\s+(?:wi-?fi|networks?)\b",
        r"\b(?:home|work) wi-?fi,? (?:and |,)?(?:work|home|school|office) wi-?fi\b",
        r"\b(?:on|at) (?:work|home|a friend'?s?|my friend'?s?|my parents'?)\b[^.!?\n]*\b(?:and|too|also|as"
        r" well)\b[^.!?\n]*\b(?:work|home|friend'?s?|parents'?|cafe|hotspot)\b",
    ),
    "update_ios": (
        r"\bupdat\w*\s+(?:to\s+)?(?:the latest\s+)?(?:ios|the i\s?phone|my i\s?phone|the phone|my phone|software)",
        r"\bios is up to date\b",
        r"\b(?:on|running|have) the latest ios\b",
        r"\bphone is up to date\b",
    ),
    "update_computer": (
        r"\bupdat\w*\s+(?:the |my )?(?:itunes|windows|macos|mac|computer|pc|laptop|apple devices)",
        r"\b(?:itunes|windows|macos|mac|computer) is (?:fully )?up to date\b",
        r"\blatest (?:version of )?itunes\b",
    ),
    "reinstall_app": (
        r"\b(?:re-?install\w*|uninstall\w* and (?:re)?install\w*|deleted and"
        r" reinstalled)\s+(?:\w+\s+)?(?:itunes|apple devices|the app)",
        r"\breinstalled\b",
    ),
    "sign_out_in": (
        r"\b(?:sign|log)(?:ed|ged)?\s*(?:out|off)\b[^.!?\n]*\b(?:back )?in\b",
        r"\bsignout\b[^.!?\n]*\bsignin\b",
    ),
    "free_icloud_space": (
        r"\b(?:deleted|cleared|freed|removed|cleaned)\b[^.!?\n]*\bi\s?cloud\b",
        r"\bcleared out\b[^.!?\n]*\bi\s?cloud\b",
        r"\bi\s?cloud\b[^.!?\n]*\b(?:deleted|cleared|freed up)\b",
    ),
    "free_phone_space": (
        r"\b(?:deleted|offloaded|freed up|cleared|removed)\b[^.!?\n]*\b(?:apps?|photos|videos)\b"
        r"[^.!?\n]*\b(?:phone|iphone)\b",
        r"\b(?:deleted|offloaded|removed|uninstalled) (?:like |about |over |around )?(?:\d+|a bunch of|lots of|loads of"
        r"|tons of|most of my|all my|some) (?:\w+ )?(?:apps|photos|videos|games)\b",
        r"\bfreed up space on (?:the |my )?(?:i\s?phone|phone)",
        r"\boffloaded\b",
    ),
    "free_computer_space": (
        r"\b(?:freed|cleared|cleaned)\b[^.!?\n]*\b(?:laptop|computer|pc|mac|macbook|imac|disk|(?<!icloud )drive)\b",
        r"\bemptied (?:the |my )?(?:trash|recycle bin|bin)\b",
        r"\bdeleted (?:a bunch of|lots of|some|all my|my|old) (?:downloads|files|movies|videos|stuff) (?:on|off|from)"
        r" (?:the |my )?(?:laptop|computer|pc|mac|macbook|imac|disk|drive)\b",
        r"\bdeleted (?:a bunch of|lots of|all (?:my|the)) downloads\b",
    ),
    "disable_security_software": (
        r"\b(?:turned|switched|shut)"
        r" off\b[^.!?\n]*\b(?:antivirus|anti-virus|firewall|norton|mcafee|avast|kaspersky|bitdefender|eset|avg"
        r"|defender|malwarebytes)\b",
        r"\b(?:disabled|uninstalled|paused)\b[^.!?\n]*\b(?:antivirus|anti-virus|firewall|norton|mcafee|avast"
        r"|kaspersky|bitdefender|eset|avg|defender|malwarebytes)\b",
        r"\b(?:antivirus|anti-virus|firewall|norton|mcafee|avast|kaspersky|bitdefender|eset|avg|defender"
        r"|malwarebytes)\b(?:\s+\w+)?\s+(?:was |is )?(?:switched|turned|shut) off\b",
    ),
    "reset_network_settings": (r"\breset (?:the |my |all )?network settings\b",),
    "trust_again": (
        r"\b(?:tapped|pressed|hit|clicked) trust\b",
        r"\breset (?:the )?location (?:and|&) privacy\b",
        r"\btrusted (?:the|this) computer\b",
        r"\b(?:i |and |did )?tap(?:ped)? (?:on )?trust\b",
    ),
    "toggle_backup": (
        r"\bturned (?:i\s?cloud )?backup off and (?:back )?on\b",
        r"\btoggled\b",
    ),
    "vpn_off": (
        r"\b(?:turned|switched) off (?:the |my )?(?:\w+)?vpn\b",
        r"\bno vpn\b",
        r"\bvpn (?:is |was )?off\b",
        r"\bdisabled (?:the |my )?vpn\b",
        r"\bwithout (?:the |my )?vpn\b",
    ),
    "delete_old_backup": (
        r"\bdeleted (?:the |my |an |all |all the |all my )?(?:old |older |previous )?(?:\w+ )?backups?\b",
    ),
    "buy_storage": (
        r"\b(?:bought|upgraded|pay(?:ing)? for|paid"
        r" for|subscribe\w*)\b[^.!?\n]*\b(?:\d+\s?(?:gb|tb)|storage|icloud\+?|plan)\b",
        r"\b(?:going|went|moved|jumped|bumped it) (?:up )?to (?:the )?\d+\s?(?:gb|tb)\b",
    ),
}
# one pattern per alternative: a negated match of one ("not enough icloud storage. i cleared") must not hide
# another's match later in the message; ".*" never crosses a sentence
_DONE = tuple((name, tuple(re.compile(w) for w in words)) for name, words in _DONE_WORDS.items())
_OLD_MACOS = re.compile(r"\b(?:high sierra|mojave|el capitan|yosemite|sierra|10\.1[0-4])\b")
_SECURITY = re.compile(
    r"\b(?:norton|mcafee|kaspersky|avast|bitdefender|eset|avg|malwarebytes|webroot|sophos|trend micro|"
    r"panda|f-secure|zonealarm|comodo|avira|totalav|surfshark antivirus)\b"
)
_HARDWARE = re.compile(
    r"\b(?:water|wet|liquid|drop(?:ped)?|fell|cracked|smashed|shattered|bent|swollen|corrosion|"
    r"(?:port|connector) (?:is )?(?:broken|damaged|loose|dead)|dead port|charge only|charging only|only charges|"
    r"overheat\w*|too hot|gets hot|restarts? (?:by )?itself|keeps restarting|wont turn on|won't turn on|dies|"
    r"black screen|screen (?:is )?(?:broken|cracked|dead)|battery (?:is )?swollen)\b"
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What one message states: quantities (GB and counts) and what the person already did."""

    amounts: Mapping[str, float]
    done: tuple[str, ...]


def _gb(number: str, unit: str | None) -> float:
    value = float(number.replace(",", "."))
    unit = (unit or "gb").lower()
    if unit.startswith("t"):
        return value * 1000
    if unit.startswith("m"):
        return value / 1000
    return value


_BACKUP_OF = re.compile(r"\bbackups?\s+(?:of|for)\b|\bbackup size\b|\bnext backup\b|\bphones? backup\b")


def _subject(clause: str) -> str | None:
    """Whose space a clause talks about."""
    if _BACKUP_OF.search(clause):  # "the backup of this iphone shows 260 GB" is the backup's size
        return "backup"
    if _COMPUTER.search(clause):
        return "computer"
    if _ICLOUD.search(clause):
        return "icloud"
    if _PHONE.search(clause):
        return "phone"
    if _BACKUP.search(clause):
        return "backup"
    return None


def _amounts(text: str) -> dict[str, float]:
    lowered = text.lower()
    has_unit = bool(re.search(r"\d\s*(?:tb|gb|gigs?|mb)\b", lowered))
    found: dict[str, float] = {}
    last_subject: str | None = None
    for clause in _SPLIT.split(lowered):
        subject = _subject(clause) or last_subject
        last_subject = subject
        for m in _UNIT.finditer(clause):
            bare = m.group(2) is None
            if _NOT_A_SIZE.search(clause[: m.start()]) or (bare and (not has_unit or _OF.search(clause[: m.start()]))):
                continue
            if re.match(r"\s*(?:%|percent|times|hours?|minutes?|days?|years?|x\b)", clause[m.end() :]):
                continue
            size = _gb(m.group(1), m.group(2))
            if subject is None or size <= 0:
                continue
            around = clause[max(0, m.start() - 30) : m.end() + 30]
            # "free" must sit next to the number: in "256gb macbook with 9gb left" only the 9 is free space
            near = _FREE_AFTER.match(clause[m.end() :]) or _FREE_BEFORE.search(clause[: m.start()])
            if _EXTERNAL.search(clause):
                continue  # "the external drive has 1tb free": not the computer's own disk
            if subject == "computer" and _CAPACITY.match(clause[m.end() :]):
                found.setdefault("computer_capacity_gb", size)  # "a 256gb macbook"
                continue
            if subject == "icloud":
                key = "icloud_free_gb" if near else "icloud_plan_gb"
                if key == "icloud_plan_gb" and re.search(r"\bused?\b|\bfull\b", around) and not _PLAN.search(around):
                    key = "icloud_used_gb"
            elif subject == "backup":
                key = "backup_gb"
            else:
                key = f"{subject}_free_gb" if near else f"{subject}_used_gb"
                if subject == "phone" and re.search(r"\d\s*(?:gb|tb)\s+(?:i\s?phone|phone|model)", around):
                    key = "phone_capacity_gb"
            found.setdefault(key, size)
        if _HALF_EMPTY.search(clause) and "icloud_plan_gb" in found:
            found.setdefault("icloud_free_gb", found["icloud_plan_gb"] / 2)
    return found


def _counts(lowered: str, done: Sequence[str]) -> dict[str, float]:
    found: dict[str, float] = {}
    for key, words in (
        ("networks_tried", r"(?:wi-?fi\s+)?networks?|wi-?fis?|routers?"),
        ("cables_tried", r"cables?"),
        ("ports_tried", r"(?:usb\s+)?ports?"),
    ):
        m = re.search(
            r"\b(two|three|four|five|several|multiple|many|2|3)\s+(?:different\s+)?(?:" + words + r")\b", lowered
        )
        if m:
            found[key] = float(_COUNT_WORDS.get(m.group(1), 2))
        elif re.search(r"\b(?:every|all|each|any)\s+(?:" + words + r")\b", lowered) or (
            re.search(r"\btried (?:three|two|several)\b", lowered) and key == "cables_tried" and "other_cable" in done
        ):
            found[key] = 3.0
    if "other_network" in done:
        found.setdefault("networks_tried", 2.0)
    if "other_cable" in done:
        found.setdefault("cables_tried", 2.0)
    if _HARDWARE.search(lowered):
        found["hardware_evidence"] = 1.0
    if _SECURITY.search(lowered) and "disable_security_software" not in done:
        found["security_named"] = 1.0  # an antivirus named by brand, and not yet paused
    if _OLD_MACOS.search(lowered):
        found["macos_old"] = 1.0  # a Mac named later is then a Mac with iTunes, not Finder
    return found


def read_facts(text: str) -> Facts:
    """The quantities and things done that one message states; negated ones ("haven't restarted") don't count."""
    lowered = text.lower().replace("’", "'")
    done = []
    for name, patterns in _DONE:
        if any(not _NEGATED.search(lowered[: m.start()][-40:]) for p in patterns for m in p.finditer(lowered)):
            done.append(name)
    amounts = _amounts(text)
    amounts.update(_counts(lowered, done))
    return Facts(amounts, tuple(done))


def merge(facts: Mapping[str, float], done: Sequence[str], text: str) -> tuple[dict[str, float], tuple[str, ...]]:
    """The conversation's facts with one more message's: later numbers replace earlier ones."""
    new = read_facts(text)
    return {**facts, **new.amounts}, tuple(dict.fromkeys((*done, *new.done)))


def verdicts(facts: Mapping[str, float]) -> dict[str, int]:
    """Causes the facts prove (+1) or rule out (-1). Only clear-cut readings: a fact that could go either way
    says nothing."""
    out: dict[str, int] = {}
    phone = facts.get("phone_used_gb") or facts.get("backup_gb")
    computer = facts.get("computer_free_gb")
    capacity = facts.get("computer_capacity_gb")
    if computer is not None:
        nearly_full = capacity is not None and computer < capacity * 0.05  # "a 256gb macbook with 9gb left"
        if (phone is not None and computer < phone * 1.1) or computer < 5 or nearly_full:
            out["computer_disk_full"] = 1
        elif (phone is not None and computer >= phone * 1.2) or computer >= 250:
            out["computer_disk_full"] = -1
    icloud_free = facts.get("icloud_free_gb")
    backup = facts.get("backup_gb")
    plan = facts.get("icloud_plan_gb")
    if backup is not None and plan is not None and backup > plan:
        out["backup_too_large"] = 1  # bigger than the whole plan: it can never fit, however much is deleted
    if icloud_free is not None:
        if backup is not None and backup > icloud_free:
            out["backup_too_large"] = 1
        elif icloud_free < 0.5:
            out["icloud_full"] = 1
        elif icloud_free >= 20 or (backup is not None and backup * 1.1 <= icloud_free):
            out["icloud_full"] = -1
            out["backup_too_large"] = -1
    phone_free = facts.get("phone_free_gb")
    if phone_free is not None:
        out["iphone_full"] = 1 if phone_free < 1.5 else -1 if phone_free >= 5 else 0
    if facts.get("networks_tried", 0) >= 2:
        out["wifi_unstable"] = -1
        out["restricted_network"] = -1
    if facts.get("security_named"):
        out["security_software"] = 1
    # cables and ports tried do not rule the cable flow out (lint in the iPhone's port, hubs, another
    # computer remain): its steps that were tried are skipped instead
    for key in facts:
        if key.startswith(REJECTED):  # the person said "something else" to it: ruled out, whatever else says
            out[key[len(REJECTED) :]] = -1
    return {k: v for k, v in out.items() if v}


def hardware_evidence(facts: Mapping[str, float]) -> bool:
    """Water, a drop, a cracked or dead port...: only then is a repair the fitting escalation."""
    return facts.get("hardware_evidence", 0) > 0


def weigh(match: Match, ranked: Sequence[Candidate], facts: Mapping[str, float]) -> Match:
    """The matcher's reading corrected by the conversation's facts: a proven cause wins, a ruled-out one
    gives way to the best candidate the facts leave standing (or to the question, when none is close)."""
    verdict = verdicts(facts)
    proven = [c for c in ranked if verdict.get(c.intent.id, 0) > 0 and c.intent.kind == "cause"]
    if proven and (match.intent is None or (verdict.get(match.intent, 0) <= 0 and match.category != "none")):
        best = proven[0]
        return Match(best.intent.id, best.intent.category, best.score)
    if match.intent is not None and verdict.get(match.intent, 0) < 0:
        standing = [c for c in ranked if c.intent.kind in ("cause", "general") and verdict.get(c.intent.id, 0) >= 0]
        if standing and standing[0].score >= match.score * RUNNER_UP:
            best = standing[0]
            return Match(best.intent.id, best.intent.category, best.score)
        fallback = next((c for c in ranked if c.intent.kind == "general"), None)
        if fallback is not None:
            return Match(fallback.intent.id, "general", fallback.score)
    return match


RUNNER_UP = 0.6  # a ruled-out reading gives way to a runner-up scoring at least this share of it
