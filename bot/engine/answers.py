"""Reading typed answers to the pending question: an option's number or words, yes/no, a slot value.

People answer in their own words: "my dell" (Windows), "a macbook air" (a Mac: Finder or iTunes?), "it's an
iPhone 11 on 17.5" (the model is no iOS version; the number is), "no idea". This module owns those readings;
the state machine only asks it. Imports only the standard library, rapidfuzz and the engine's own modules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz

from bot.engine.content import ROOT
from bot.engine.matcher import Matcher
from bot.engine.model import Catalog, Session, TriageNode
from bot.engine.slots import extract_slots, ios_bucket
from bot.engine.text import STOPWORDS, normalise


def _answers(text: str) -> frozenset[str]:
    """Whole answers separated by |, as normalised text compares them."""
    return frozenset(a.strip() for a in text.split("|") if a.strip())


# Whole answers only: a word like "it" or "help" inside these lists would answer a step by accident.
YES = _answers(
    """yes | y | yep | yeah | yup | ya | sure | ok | okay | worked | it worked | that worked | it works | works now |
    fixed | fixed it | that fixed it | done | sorted | success | solved | perfect | great | awesome | yes it worked |
    yes thanks | it did | all good | backed up | it backed up"""
)
NO = _answers(
    """no | n | nope | nah | not fixed | still failing | still fails | still broken | still not working | didnt work |
    didnt help | it didnt | no luck | nothing changed | same problem | same thing | no change | next | next step |
    not working | doesnt work | still the same | failed again | it failed"""
)
SKIP = frozenset({"skip", "skip it", "skip this", "skip this step", "cant do that", "cant", "pass"})
DONT_KNOW = _answers(
    """i dont know | dont know | dunno | no idea | not sure | im not sure | idk | no clue | i have no idea |
    not really sure | unsure | i dont know what that means | no idea what you mean | i cant tell | cant tell |
    i dont understand | not a clue | beats me | i dont remember | dont remember | i forget"""
)
SHORT_ANSWER = 3  # at a menu, up to this many words can be an answer; more is a description
ELSE = _answers("something else | none | neither | none of these | other | none of those | no none of these")

_BRANDS = re.compile(
    r"\b(?:dell|hp|lenovo|asus|acer|surface|toshiba|msi|thinkpad|razer|alienware|gateway|sony vaio|vaio|"
    r"chromebook|compaq|medion|fujitsu|huawei matebook|matebook|xps|inspiron|pavilion|ideapad|zenbook|vivobook)\b"
)
_MACS = re.compile(r"\b(?:macbook(?: air| pro)?|imac|mac mini|mac pro|mac studio|macmini)\b")
_MODEL = re.compile(
    r"\biphone (?:se|x[rs]?|\d{1,2})(?: (?:pro max|pro|max|plus|mini|s))?\b"
    r"|\b(?:an?|my) \d{1,2}(?: (?:pro max|pro|max|plus|mini))?\b"
)
_NUMBER = re.compile(r"\b(\d{1,2})\b")


def typed(text: str) -> str:
    """The answer in the words the options use: laptop brands say Windows, MacBook/iMac say Mac, and a phone
    model ("iphone 11", "my 15 pro") is dropped, so its number is never read as an iOS version."""
    flat = normalise(text)
    flat = _BRANDS.sub("windows", flat)
    flat = _MACS.sub("mac", flat)
    return " ".join(_MODEL.sub(" ", flat).split())


def dont_know(text: str) -> bool:
    flat = normalise(text)
    return flat in DONT_KNOW or any(flat.startswith(d + " ") for d in ("no idea", "not sure", "dont know", "idk"))


def yes_no(flat: str) -> str | None:
    if flat in SKIP:
        return "skip"
    if flat in YES or flat.startswith(("yes ", "yep ", "yeah ", "it worked", "that worked", "worked")):
        return "yes"
    if flat in NO or flat.startswith(("no ", "nope ", "still ", "didnt ", "it didnt")):
        return "no"
    return None


def read_slot(catalog: Catalog, slot: str, text: str) -> str | None:
    """The value of `slot` an answer names, or None. Explicit numbers beat words ("old, 16.2" is iOS 16)."""
    words = typed(text)
    found = extract_slots(words).get(slot)
    if found:
        return found
    if slot == "computer" and "itunes" in words.split() and family(text) == MAC_APPS:
        return None  # iTunes on a Mac without its macOS: Finder or iTunes is asked (no iTunes from Catalina)
    if slot == "ios":
        numbers = [int(n) for n in _NUMBER.findall(words) if 5 <= int(n) <= 40]
        if numbers:
            return ios_bucket(numbers[0])
    if dont_know(text) and "not_sure" in catalog.questions[slot].values():
        return "not_sure"
    padded = f" {words} "
    best: tuple[int, str] | None = None
    for option in catalog.questions[slot].options:
        for synonym in (option.label, *option.synonyms):
            key = typed(synonym)
            if key.isdigit() and slot == "ios":
                continue  # bare numbers were read above, outside phone models
            if key and f" {key} " in padded and (best is None or len(key) > best[0]):
                best = (len(key), option.value)
    return best[1] if best else None


MAC_APPS = ("mac_finder", "mac_itunes")
WINDOWS_APPS = ("win_devices", "win_itunes")


def family(text: str) -> tuple[str, ...]:
    """The computer values an answer leaves open: a Mac without its macOS, Windows without its app."""
    words = set(typed(text).split())
    mac, windows = bool(words & {"mac", "macos", "osx"}), bool(words & {"windows", "pc", "win10", "win11"})
    if mac and not windows:
        return MAC_APPS
    if windows and not mac:
        return WINDOWS_APPS
    return ()


class Reader:
    """Reads a typed answer for the pending question of a session."""

    def __init__(self, catalog: Catalog, matcher: Matcher) -> None:
        self.catalog = catalog
        self.matcher = matcher

    def read(self, session: Session, text: str, options: Sequence[tuple[str, str]], at_check: bool) -> str | None:
        """The option value `text` picks, or None."""
        flat = normalise(text)
        if flat.isdigit() and 1 <= int(flat) <= len(options):
            return options[int(flat) - 1][0]
        for value, label in options:
            if flat == normalise(label):
                return value
        state = session.state
        if state in ("step", "feedback", "offer_human"):
            mapping = {
                "step": {"yes": "next", "no": "next", "skip": "next"}
                if at_check
                else {"yes": "fixed", "no": "not_fixed", "skip": "skip"},
                "feedback": {"yes": "helpful", "no": "not_helpful"},
                "offer_human": {"yes": "human", "no": "done"},
            }[state]
            return mapping.get(yes_no(flat) or "")
        if state == "slot" and session.node:
            slot_value = read_slot(self.catalog, session.node, text)
            return slot_value if slot_value in {v for v, _ in options} else None
        if state in ("disambiguate", "confirm"):
            if flat in ELSE:
                return "else"
            if state == "confirm" and yes_no(flat) == "yes":
                return "yes"
            ranked = [c.intent.id for c in self.matcher.rank(text, 1)]
            if ranked and ranked[0] in session.candidates:
                return ranked[0]
        if state == "triage":
            chosen = self.read_triage(self.catalog.triage[session.node or ROOT], text, flat)
            if chosen is not None and chosen in {v for v, _ in options}:
                return chosen
        scores = [fuzz.ratio(flat, normalise(label)) for _, label in options]
        if scores and max(scores) >= 85:
            return options[scores.index(max(scores))][0]
        return None

    def read_triage(self, node: TriageNode, text: str, flat: str) -> str | None:
        """A menu option picked in words: by the slot it sets ("icloud", "pc"), by the words of its label
        ("storage", "wifi"), or by the intent the words describe. A longer description is no menu answer:
        it is understood as the problem itself."""
        words = {w for w in flat.split() if w not in STOPWORDS}
        if len(words) > SHORT_ANSWER:
            return None
        reading = self.catalog.intents.get(self.matcher.match(text).intent or "")
        describes_cause = reading is not None and reading.kind == "cause"  # "icloud storage is full": the problem
        for j, option in enumerate(node.options):
            for slot, value in option.set.items():
                if describes_cause:
                    break
                if slot in self.catalog.questions and read_slot(self.catalog, slot, text) == value:
                    return str(j)
        if words:
            fits = [j for j, o in enumerate(node.options) if words <= set(normalise(o.label).split())]
            if len(fits) == 1:
                return str(fits[0])
        ranked = [c.intent.id for c in self.matcher.rank(text, 1)]
        for j, option in enumerate(node.options):
            if option.goto in ranked:
                return str(j)
        return None

    def narrow(self, session: Session, text: str, options: Sequence[tuple[str, str]]) -> tuple[str, ...]:
        """The slot options an answer leaves open, when that is some but not all of them: "windows" at
        "which computer and app?" leaves the two Windows apps, "my macbook" Finder or iTunes."""
        if session.state != "slot" or session.node not in self.catalog.questions:
            return ()
        offered = [v for v, _ in options]
        if session.node == "computer":
            fits = tuple(v for v in family(text) if v in offered)
            if 1 < len(fits) < len(offered):
                return fits
        words = {w for w in typed(text).split() if w not in STOPWORDS}
        if not words or len(words) > SHORT_ANSWER:
            return ()
        fits = tuple(v for v, label in options if words <= set(normalise(label).split()))
        return fits if 1 < len(fits) < len(options) else ()


_NO_COMPUTER = re.compile(
    r"\b(?:dont|do not|never|doesnt|cant) (?:use|have|own|got) (?:a |my |any )?(?:computer|laptop|pc|mac)"
)
_NO_ICLOUD = re.compile(r"\b(?:dont|do not|never|not) (?:use |using |have )?icloud\b|\bnot (?:to )?icloud\b")


def route_left(text: str) -> str | None:
    """The route left when the person rules the other out ("I don't use a computer", "not icloud")."""
    flat = normalise(text)
    if _NO_COMPUTER.search(flat):
        return "icloud"
    if _NO_ICLOUD.search(flat):
        return "computer"
    return None


def stated_route(text: str) -> str | None:
    """Where the person says the backup goes, also by ruling the other out ("it's iCloud, I don't use a
    computer", "not icloud, my laptop")."""
    return route_left(text) or extract_slots(text).get("route")
