"""Fill slots (route, computer, ios) from what the person already said, so we don't ask again.

Only unambiguous mentions count, and a mention the person rules out ("not icloud") counts for nothing.
Imports only the standard library.
"""

from __future__ import annotations

import re

from bot.engine.text import features, normalise, stem

_IOS = re.compile(r"\bios\s*(\d{1,2})")


def _stems(*terms: str) -> frozenset[str]:
    """Slot words as the features they become ("apple devices" -> the stemmed pair)."""
    return frozenset(" ".join(stem(w) for w in term.split()) for term in terms)


_ICLOUD = _stems("icloud")
_COMPUTER = _stems(
    "itunes",
    "finder",
    "mac",
    "macbook",
    "imac",
    "pc",
    "laptop",
    "computer",
    "windows",
    "desktop",
    "cable",
    "usb",
    "apple devices",
    "dell",
    "hp",
    "lenovo",
    "asus",
    "acer",
    "thinkpad",
)
_MAC_FINDER = _stems("finder", "catalina", "big sur", "monterey", "ventura", "sonoma", "sequoia", "tahoe")
_MAC_ITUNES = _stems("mojave", "high sierra", "el capitan", "yosemite")
_WINDOWS = _stems(
    "windows", "pc", "win10", "win11", "dell", "hp", "lenovo", "asus", "acer", "surface", "toshiba", "thinkpad", "msi"
)
_ITUNES = stem("itunes")
_APPLE_DEVICES = " ".join(stem(w) for w in ("apple", "devices"))


def ios_bucket(version: int) -> str:
    if version >= 17:
        return "ios17_plus"
    return "ios15_16" if version >= 15 else "ios14_or_earlier"


def extract_slots(text: str) -> dict[str, str]:
    """Slots stated in `text`, e.g. {"route": "computer", "computer": "mac_finder", "ios": "ios17_plus"}."""
    feats = set(features(text))
    found: dict[str, str] = {}
    icloud = bool(feats & _ICLOUD)
    computer = bool(feats & _COMPUTER)
    if icloud != computer:
        found["route"] = "icloud" if icloud else "computer"
    itunes = _ITUNES in feats
    if feats & _MAC_FINDER:
        found["computer"] = "mac_finder"
    elif _APPLE_DEVICES in feats:
        found["computer"] = "win_devices"
    elif feats & _MAC_ITUNES:
        found["computer"] = "mac_itunes"  # "itunes" + "mac" alone is not enough: no iTunes from Catalina on
    elif itunes and feats & _WINDOWS:
        found["computer"] = "win_itunes"
    if "computer" in found:
        found["route"] = "computer"
    versions = [int(v) for v in _IOS.findall(normalise(text))]
    if versions and 5 <= versions[0] <= 40:
        found["ios"] = ios_bucket(versions[0])
    return found
