"""Text normalisation and feature extraction shared by the content loader and the matcher.

Owns: normalise(), clauses(), features(), concepts(), unsure(), looks_foreign(). Imports only the standard library.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable

MAX_CHARS = 2000  # longer messages are understood from their first part; keeps matching time bounded

PHONE_TOKEN = "phonenumber"  # what any phone number in a text becomes ("call 1-800-555-0199" -> "call phonenumber")
SCAM_TOKEN = "scamlink"  # added to a text that relays a message with a link and a threat (a phishing attempt)
# a run of digits and separators: "1-800-555-0199", "+1 (888) 555-0142", "1.855.555.0177", "0800 123 4567"
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{7,20}\d(?![\w])")
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))
_STRETCH = re.compile(r"([a-z])\1{2,}")
_APOSTROPHE = re.compile(r"(?<=[a-z])['’`](?=[a-z])")
_VERSION = re.compile(r"\b(ios|iphone|macos|windows)\s*\d+(?:\.\d+)*(?:\s*(?:pro max|pro|max|plus|mini|se))?\b")
_CLAUSE = re.compile(r"[.!?;:,()\[\]\n|]+")
_WORD = re.compile(r"[a-z0-9]+")
_JOIN: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [  # spellings folded into one token
    (re.compile(r"\bwi[\s-]?fi\b|\bwifi\b|\bwlan\b"), "wifi"),
    (re.compile(r"\bi[\s-]cloud\b"), "icloud"),
    (re.compile(r"\bback(?:ed|ing|s)?[\s-]?ups?\b"), "backup"),
    (re.compile(r"\bi[\s-]?tunes\b"), "itunes"),
    (re.compile(r"\bapple[\s-]?id\b"), "appleid"),
    (re.compile(r"\bapple account\b"), "appleid"),
    (re.compile(r"\be[\s-]mail\b"), "email"),
    (re.compile(r"\b(?:two|2)[\s-]?(?:factor|step)\b|\b2fa\b"), "twofactor"),
    (re.compile(r"\busb[\s-]c\b"), "usbc"),
    (re.compile(r"\banti[\s-]?(virus|malware)\b"), r"anti\1"),
    (re.compile(r"\bwindows security\b"), "windows defender"),
    (  # security brands written as two words: "trend micro" -> "trendmicro"
        re.compile(
            r"\b(?:(trend)[\s-](micro)|(f)[\s-](secure)|(total)[\s-](av)|(g)[\s-](data)|(quick)[\s-](heal)"
            r"|(zone)[\s-](alarm)|(malware)[\s-](bytes)|(bit)[\s-](defender)|(sentinel)[\s-](one)|(web)[\s-](root)"
            r"|(mc)[\s-](afee))\b"
        ),
        lambda m: "".join(g for g in m.groups() if g),
    ),
    (re.compile(r"\bmac[\s-]book\b"), "macbook"),
    (re.compile(r"\bi[\s-]?phone\b"), "iphone"),
    (re.compile(r"\bi[\s-]?os\b"), "ios"),
    (re.compile(r"\bset[\s-]?up\b"), "setup"),
    (re.compile(r"\bgrey(?:ed)?[\s-]?out\b|\bgray(?:ed)?[\s-]?out\b"), "greyedout"),
    (re.compile(r"\bsign(?:ed|ing)?[\s-]?(?:out|off)\b|\blog(?:ged|ging)?[\s-]?out\b"), "signout"),
    (re.compile(r"\bsign(?:ed|ing)?[\s-]?in\b|\blog(?:ged|ging)?[\s-]?in\b"), "signin"),
]
STOPWORDS = frozenset(
    """no nope a an the and or but if so to of in on at by for with from into onto about as is am are was were be been
    being it its it's this that these those i me my mine we our you your he she his her they them their there here
    what which who whom when where why how do does did doing done have has had having just also too very really
    can could would should will shall may might must get got gets getting go goes going went gonna wanna pls
    please help any some all each every one thing things stuff like then than only even still ever
    again now today yesterday im ive id ill its thats whats theres u ur guys anyone someone
    lol tbh btw idk omg ugh hmm well""".split()
)
# "not icloud", "wifi isnt the problem": the words after a negator are ruled out. "no space" and "not enough
# storage" are the opposite (a lack is the symptom), so "no" is not a negator and "enough" ends the scope.
NEGATORS = frozenset("not isnt arent wasnt werent nothing neither nor".split())
LACK = frozenset({"enough", "sufficient", "much", "working", "work", "showing", "able"})
RULED_OUT_AFTER = frozenset("plenty lots tons loads enough".split())  # "plenty of space": space is no problem
SHORT_OF = frozenset("doesnt dont didnt hasnt havent cant without never no lack lacks".split())  # "... enough"
SUBJECTS = frozenset("i ive already tried also we and even have".split())
SCOPE_END = frozenset("but and though although however yet so because cause cuz".split())
# "fails on every network", "all wifis", "on any network": a problem everywhere is not the network's
EVERYWHERE = re.compile(
    r"\b(?:every|all|each|(?<=on )any|(?<=with )any)\s+(?:the\s+)?(?:wifi\s+)?(?:wifi|network|connection)s?\b"
    r"|\b(?:two|three|four|five|several|multiple|\d+)\s+(?:different\s+)?(?:wifi\s+)?(?:wifis|networks|connections)\b"
)
# what the person already did is no clue to the cause: "toggled backup off and on", "signed out and back in",
# "restarted both", "i reinstalled itunes" (but "it restarts during the backup" is a symptom)
TRIED = re.compile(
    r"\b(?:toggled|turned|switched|flipped)\s+(?:\w+\s+){0,3}?(?:off\s+and\s+(?:back\s+)?on|on\s+and\s+off)(?:\s+again)?\b"
    r"|\bsignout\s+(?:\w+\s+){0,3}?and\s+(?:back\s+)?(?:in|signin)\b|\bsignout\s+and\s+signin\b"
    r"|(?:^|\b(?:i|ive|already|tried|also|we|and|even|have)\s+)(?:restarted|rebooted|reinstalled|power\s+cycled"
    r"|reset)\b"
)
# "already deleted my old backups", "ive already freed up space": a fix already done is no clue to the cause
ALREADY_DONE = re.compile(
    r"\balready\s+(?:\w+\s+)?(?:deleted|removed|cleared|freed|bought|upgraded|paid|turned|switched|tried|updated"
    r"|reset|restarted|changed|swapped|checked|looked|searched)\b"
)
# "i dont use icloud", "i dont have a mac": what the person doesn't use is ruled out ("dont have internet" or
# "dont have enough" is a lack, the symptom itself)
NOT_USED = re.compile(r"\b(?:dont|doesnt|didnt|never)\s+(?:even\s+)?(?:use|using|used|own|have\s+an?)\b")
NO_PROBLEM = re.compile(r"\bno (?:problems?|issues?|trouble) with\b")
FINE = re.compile(r"\b(?:(?:is|are|was|seems?|looks?)\s+)?(?:fine|ok|okay|good|great|solid|perfect)\b|\bworks? fine\b")
NOT_THE_ISSUE = re.compile(
    r"\b(?:but\s+)?(?:thats|that is|its|it is|which is)\s+not\s+(?:the|an?)\s+(?:issue|problem|cause|reason)\b"
)
_FOREIGN = frozenset(
    """el la los las que mi mis por para una uno con como hacer copia seguridad respaldo puedo funciona tengo pero
    muy esta hay cuando porque desde
    der die das und ich nicht mein meine mit ist kann sicherung geht keine auf wird bei auch oder wie ein einen
    von meinem meinen mache machen habe funktioniert warum immer
    le les je ne pas est mon ma une avec sauvegarde impossible fait faire mais pour des sur
    meu minha nao uma um com em trava cabo pelo pela mais tambem fazer seguranca
    il non della di che mio mia funziona anche
    kein kommt macht mehr schon noch sich wenn dass aber bitte hilfe seit
    ya hace semana ayuda favor desde nada sigue
    plus fonctionne marche depuis toujours aide
    faz esta funcionando ajuda
    piu sempre aiuto
    mijn niet werkt geen het een maakt meer
    nie jest sie moj moja mam kopii
    bir degil diyor yapmiyor icin
    tidak bisa saya
    hablo ingles""".split()
)
# accented letters: English messages almost never have them, Vietnamese, Polish, Turkish... have many
_ACCENTED = re.compile(r"[a-z]*[\u00c0-\u024f\u1e00-\u1eff][a-z\u00c0-\u024f\u1e00-\u1eff]*")
_ENGLISH_HINTS = frozenset("the my is to and not it i you can cant wont with of this that".split())


def normalise(text: str) -> str:
    """Lowercase, strip accents and control characters, fold spellings, drop punctuation."""
    return " ".join(_WORD.findall(_fold(text)))


def _phone(match: re.Match[str]) -> str:
    """10 to 15 digits in groups, the last of 3 or more: versions, sizes, dates and model lists are not numbers."""
    found = match.group(0)
    groups = re.findall(r"\d+", found)
    digits = sum(len(g) for g in groups)
    return f" {PHONE_TOKEN} " if 10 <= digits <= 15 and len(groups) >= 2 and len(groups[-1]) >= 3 else found


def _fold(text: str) -> str:
    text = text[:MAX_CHARS].translate(_CONTROL)
    text = _PHONE.sub(_phone, text)
    if not text.isascii():  # plain ASCII has no accents to strip (and this is most messages)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower()
    text = _APOSTROPHE.sub("", text)
    text = _STRETCH.sub(r"\1", text)
    for pattern, replacement in _JOIN:
        text = pattern.sub(replacement, text)
    if _SCAM_SOURCE.search(text) and _SCAM_LINK.search(text) and _SCAM_THREAT.search(text):
        text = f"{text} {SCAM_TOKEN}"
    return text


# "a text saying my apple id will be suspended unless i click this link": a relayed message, a link, a threat
_SCAM_SOURCE = re.compile(r"\b(?:texts?|sms|e-?mails?|imessages?|messages?|pop-?ups?|websites?|site|dm|calls?)\b")
_SCAM_LINK = re.compile(r"\b(?:click\w*|tap here|links?|https?|www)\b")
_SCAM_THREAT = re.compile(
    r"\bunless\b|\bverify (?:my|your|the) (?:card|payment|billing|identity|details)|\bgift ?cards?\b|\bsuspend"
    r"|\bwill be (?:deleted|erased|locked|closed|removed)|\bbilling (?:problem|issue)|\binfected\b|\bpay (?:a|the) fee"
)

OLD_IOS_BELOW = 17  # iOS versions below this are "old" (a clue to an outdated iOS); newer ones are no clue


def _unversioned(text: str) -> str:
    """Versions describe the setup (they fill slots); only an old iOS says something about the cause.

    'ios 12.5' -> 'ios old', 'ios 18.1' -> '', 'iphone 12 pro max' -> 'iphone', 'windows 10' -> 'windows'.
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name != "ios":
            return name
        number = re.search(r"\d+", match.group(0))
        return "ios old" if number and int(number.group(0)) < OLD_IOS_BELOW else ""

    return _VERSION.sub(replace, text)


# Quantities settle storage questions: "64 GB available" is room to spare, "15 GB free" for a 120 GB phone is not.
PLENTY_GB = 20.0  # this much free, with nothing bigger named, is no storage problem
SHORT_GB = 1.0  # less than this free is a lack of space
_AMOUNT = r"(\d+(?:\.\d+)?)\s*(tb|terabytes?|gb|gigs?|gigabytes?|g|mb|megabytes?)\b"
_FREE_AMOUNT = re.compile(_AMOUNT + r"\s+(?:of\s+)?(?:free|available|left|remaining|spare|unused|empty|open)\b")
_AMOUNT_OF_AMOUNT = re.compile(
    _AMOUNT.replace(r"\s*(tb", r"\s*(?:(tb")
    + r")?\s+(?:used\s+)?(?:of|out of)\s+(?:my\s+|the\s+)?"
    + _AMOUNT
    + r"(?:\s+(?:is\s+|are\s+)?used)?"
)
_ANY_AMOUNT = re.compile(_AMOUNT)
# "2tb with 1.6tb free", "256gb and 100gb left": a capacity and what of it is free (the capacity is no need)
_TOTAL_WITH_FREE = re.compile(
    _AMOUNT
    + r"\s+(?:plan\s+)?(?:with|and|,)\s+(?:only\s+|about\s+)?"
    + _AMOUNT
    + r"\s+(?:of\s+)?(?:free|available|left|remaining|spare|unused|empty)\b"
)
_NEEDED = re.compile(
    r"\b(?:uses|using|needs|need|takes|requires|holds|size is|size of|backup is)\s+(?:about\s+|around\s+)?"
    r"(\d+(?:\.\d+)?)\b(?!\s*(?:%|percent|min|hour|day|sec))"
)
_PLAN = re.compile(
    r"\b(?:pay(?:ing)?\s+for|upgraded\s+to|(?:on|have|got)\s+the|plan\s+is|plan\s+of)\s+(?:the\s+|a\s+)?"
    + _AMOUNT
    + r"(?:\s+(?:icloud\s+)?(?:plan|tier|subscription))?|\b"
    + _AMOUNT
    + r"\s+(?:icloud\s+)?(?:plan|tier|subscription)\b|\b"
    + _AMOUNT
    + r"\s+(?:of\s+)?icloud\b"
)
_BACKUP_SIZE = re.compile(
    r"\b(?:backup\s+is|backup\s+size(?:\s+is)?|next\s+backup(?:\s+size)?(?:\s+is)?|needs|requires|backup\s+of)"
    r"\s+(?:only\s+|about\s+|around\s+|just\s+)?" + _AMOUNT + r"|\b" + _AMOUNT + r"\s+backup\b"
)
_MOSTLY_EMPTY = re.compile(r"\b(?:half|mostly|nearly|almost|largely)\s+empty\b|\b(?:barely|hardly)\s+used\b")


def _gb(number: str, unit: str | None) -> float:
    value = float(number)
    if unit is None:
        return value
    if unit.startswith("t"):
        return value * 1000
    return value / 1000 if unit.startswith("m") else value


def _first_amount(match: re.Match[str]) -> tuple[str, str | None]:
    """(number, unit) of whichever alternative of an amount pattern matched."""
    groups = match.groups()
    k = next(i for i in range(0, len(groups), 2) if groups[i] is not None)
    return groups[k], groups[k + 1]


def _quantified(text: str) -> str:
    """Amounts of free space rewritten as what they mean: space ruled out ("not space") or "not enough space".

    Free space counts as short when the message names something bigger (a backup, the phone's data) than it.
    """

    def total_with_free(match: re.Match[str]) -> str:
        total, room = _gb(match.group(1), match.group(2)), _gb(match.group(3), match.group(4))
        if room < SHORT_GB or (total and room / total < 0.05):
            return " not enough space "
        return " not space " if total and (room >= PLENTY_GB or room / total >= 0.4) else match.group(0)

    text = _TOTAL_WITH_FREE.sub(total_with_free, text)
    amounts = [_gb(m.group(1), m.group(2)) for m in _ANY_AMOUNT.finditer(text)]
    if amounts:  # "15 GB free and the phone uses 120": a bare number next to a unit shares it
        amounts += [float(m.group(1)) for m in _NEEDED.finditer(text)]

    def free(match: re.Match[str]) -> str:
        room = _gb(match.group(1), match.group(2))
        if room < SHORT_GB or any(a > room * 1.05 for a in amounts):
            return " not enough space "
        return " not space " if room >= PLENTY_GB else match.group(0)

    def share(match: re.Match[str]) -> str:
        used = _gb(match.group(1), match.group(2) or match.group(4))
        total = _gb(match.group(3), match.group(4))
        if not total:
            return match.group(0)
        if used / total >= 0.9:
            return " not enough space "
        return " not space " if used / total <= 0.6 else match.group(0)

    text = _AMOUNT_OF_AMOUNT.sub(share, text)
    text = _FREE_AMOUNT.sub(free, text)
    room = bool(_MOSTLY_EMPTY.search(text)) or " not space " in text
    text = _MOSTLY_EMPTY.sub(" not space ", text)
    # a plan next to the size of the backup: "200gb plan, the backup is only 12gb" leaves room to spare
    plans = [_gb(*_first_amount(m)) for m in _PLAN.finditer(text)]
    needs = [_gb(*_first_amount(m)) for m in _BACKUP_SIZE.finditer(text)]
    if plans and needs and max(needs) > max(plans) * 1.02:
        return _BACKUP_SIZE.sub(lambda m: _ANY_AMOUNT.sub(" not enough space ", m.group(0)), text)
    if room or (plans and needs and max(needs) <= max(plans) / 2):
        text = _PLAN.sub(" not space ", text)
        text = _BACKUP_SIZE.sub(lambda m: _ANY_AMOUNT.sub(" not space ", m.group(0)), text) if plans else text
    return text


_ANSWERED_NO = re.compile(r"^\s*(?:no|nope|nah|not it|not that)\s*(?:[,.!;]|$)")  # "? no," not "? no wifi"


def clauses(text: str) -> list[tuple[list[str], bool]]:
    """The message as clauses split at punctuation: (word tokens, ruled out).

    A question the person answers with "no" is ruled out, and so is the rest of that answer's sentence:
    in "icloud full? no, 180gb free. wifi? the cafe one" both "icloud full" and "180gb free" are no clue.
    """
    parts = re.split(r"(\?)", _quantified(_unversioned(_fold(text))))
    out: list[tuple[list[str], bool]] = []
    answering = False  # inside the sentence that answers "... ? no"
    for i in range(0, len(parts), 2):
        ruled_out = i + 2 < len(parts) and bool(_ANSWERED_NO.match(parts[i + 2]))
        sentences = re.split(r"[.!;\n]+", parts[i])
        for n, sentence in enumerate(sentences):
            pieces = [words for piece in _CLAUSE.split(sentence) if (words := _WORD.findall(piece))]
            last_sentence = n == len(sentences) - 1
            for k, words in enumerate(pieces):
                # the answer's own sentence is ruled out; of the text before "? no", only the question itself
                out.append((words, (answering and n == 0) or (ruled_out and last_sentence and k == len(pieces) - 1)))
        answering = ruled_out
    return out


def stem(word: str) -> str:
    """A deliberately small suffix stripper: consistent for phrases and messages alike."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "os")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]  # "update" and "updating" meet at "updat"
    return word


def features(text: str | list[tuple[list[str], bool]], correct: dict[str, str] | None = None) -> list[str]:
    """Unigram and bigram features with negation marking, from text or from its `clauses()`.

    Words that a negation rules out ("not icloud", "plenty of space", "wifi is fine") become `~word`, so
    "icloud full" and "icloud is not full" read differently. `correct` maps misspelt words to known ones.
    """
    out: list[str] = []
    for words, ruled_out in clauses(text) if isinstance(text, str) else text:
        if correct:
            words = [correct.get(w, w) for w in words]
        negated = set(range(len(words))) if ruled_out else _negated_positions(words)
        kept: list[str] = []
        for i, word in enumerate(words):
            if word in NEGATORS or word in STOPWORDS:
                continue
            token = stem(word)
            kept.append(("~" + token) if i in negated else token)
        out.extend(kept)
        out.extend(f"{a} {b}" for a, b in itertools.pairwise(kept))
    return out


def _scope(words: list[str], start: int) -> list[int]:
    """Up to two content words after `start`, stopping at a conjunction ("plenty of space but wifi ...")."""
    span: list[int] = []
    for j in range(start, min(len(words), start + 4)):
        if words[j] in SCOPE_END:
            break
        if words[j] not in STOPWORDS and words[j] not in NEGATORS:
            span.append(j)
    return span[:2]


def _negated_positions(words: list[str]) -> set[int]:
    negated: set[int] = set()
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        lacking = any(w in NEGATORS or w in SHORT_OF for w in words[max(0, i - 3) : i])  # "doesnt have enough"
        if (word in NEGATORS and nxt not in LACK) or (word in RULED_OUT_AFTER and not lacking):
            negated.update(_scope(words, i + 1))
    joined = " ".join(words)
    for m in TRIED.finditer(joined):
        first = len(joined[: m.start()].split())
        negated.update(j for j in range(first, len(joined[: m.end()].split())) if words[j] not in SUBJECTS)
    for m in EVERYWHERE.finditer(joined):
        negated.update(range(len(joined[: m.start()].split()) + 1, len(joined[: m.end()].split())))
    for m in ALREADY_DONE.finditer(joined):
        start = len(joined[: m.start()].split())
        end = next((j for j in range(start + 1, len(words)) if words[j] in SCOPE_END), len(words))
        negated.update(j for j in range(start, end) if words[j] not in SUBJECTS)
    for m in NOT_USED.finditer(joined):
        negated.update(_scope(words, len(joined[: m.end()].split())))
    for m in NO_PROBLEM.finditer(joined):
        negated.update(_scope(words, len(joined[: m.end()].split())))
    for m in NOT_THE_ISSUE.finditer(joined):  # "my wifi is slow but thats not the issue": all of it ruled out
        before = joined[: m.start()].split()
        start = max((j + 1 for j, w in enumerate(before) if w in SCOPE_END), default=0)
        negated.update(j for j in range(start, len(before)) if before[j] not in STOPWORDS)
    for m in FINE.finditer(joined):
        before = joined[: m.start()].split()
        content = [j for j in range(len(before)) if before[j] not in STOPWORDS]
        negated.update(content[-2:])
    return negated


def looks_foreign(text: str) -> bool:
    """True for messages mostly in another script, or clearly in another Latin-script language."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    non_latin = sum(1 for c in letters if ord(c) > 0x24F)
    if non_latin / len(letters) > 0.3:
        return True
    raw_words = text.split()
    accented = len(_ACCENTED.findall(text.lower()))
    if accented >= 3 and accented >= 0.3 * len(raw_words):
        return True
    words = _WORD.findall(_fold(text))
    foreign = sum(1 for w in words if w in _FOREIGN)
    english = sum(1 for w in words if w in _ENGLISH_HINTS)
    return (foreign >= 2 and english == 0) or (foreign >= 3 and foreign > 2 * english)


# "some message about my account", "it says something about storage": a topic named, the message itself not
_VAGUELY_ABOUT = re.compile(
    r"\b(?:some|a|an|this|that|the|weird|strange|random)\s+(?:\w+\s+)?(?:message|error|notification|pop\s?up"
    r"|warning|alert|banner|thing|prompt)s?\s+(?:\w+\s+){0,2}?(?:about|regarding|with|re)\s+(?:my\s+|the\s+|an?\s+)?"
    r"(?:apple\s?id|apple account|account|icloud account|storage|space|password|passcode|settings|payment|plan)\b"
    r"|\bsomething\s+(?:\w+\s+)?(?:about|with|wrong with|up with)\s+(?:my\s+|the\s+)?(?:apple\s?id|apple account"
    r"|account|storage|space|password|plan|payment)\b"
)


def vaguely_about(text: str) -> bool:
    """A topic named without the message itself ("some error about my apple id"): worth a menu, not a guess."""
    return bool(_VAGUELY_ABOUT.search(_fold(text)))


# "I don't know", "no idea", "not sure": an answer about the person's own knowledge, never a problem
_UNSURE = re.compile(
    r"\b(?:i\s+)?(?:(?:really|honestly|just)\s+)?(?:dont|do not|didnt|did not)\s+know\b"
    r"|\b(?:have\s+)?no\s+(?:idea|clue)\b"
    r"|\bnot\s+(?:really\s+)?sure\b|\bunsure\b|\bidk\b|\bdunno\b|\bno\s+ideea\b|\bnot\s+a\s+clue\b|\bbeats\s+me\b"
    r"|\bwho\s+knows\b|\bcant\s+(?:say|tell)\b|\bno\s+(?:freaking|bloody|fucking)\s+idea\b"
)
_UNSURE_FILLER = frozenset(
    "sorry honestly tbh exactly mate man either maybe perhaps about hmm um uh er erm yet myself really totally".split()
)


def unsure(text: str, *, normalised: bool = False) -> bool:
    """True when the whole message only says the person doesn't know ("no idea", "not sure tbh", "idk")."""
    flat = text if normalised else normalise(text)
    if not _UNSURE.search(flat):
        return False
    rest = _UNSURE.sub(" ", flat).split()
    return all(w in STOPWORDS or w in _UNSURE_FILLER for w in rest)


# Word families: a brand or word the content never names still reads like the ones it does. Each member
# also yields the family's feature ("@security"), negated with it ("~@security"). Pairs are stemmed pairs.
_FAMILIES = {
    "@security": """antivirus antivirous antivirs antimalware virus viruses malware norton nortan mcafee mcaffee mcafe
        kaspersky kapersky avast avg bitdefender eset nod32 webroot malwarebytes defender avira sophos trendmicro
        panda fsecure totalav comodo zonealarm crowdstrike sentinelone emsisoft bullguard gdata quickheal lifelock
        intego clamxav symantec cylance carbonblack""",
    "@liquid": """water wet liquid spill spilt spilled spilling pool toilet rain rained raining sink bath bathtub
        ocean sea lake river puddle swim swimming soaked drenched submerged moisture coffee tea beer wine juice soda
        drink""",
    "@impact": """fell fallen smashed stepped knocked thrown kicked crushed dented""",
}
_FAMILY_PAIRS = {
    # stopwords are gone by then: "dropped it on the floor" is the pair "drop floor", "sat on my phone" "sat phone"
    "@impact": [
        "drop phone",
        "drop iphone",
        "drop floor",
        "drop stair",
        "drop ground",
        "sat phone",
        "sat iphone",
        "ran over",
    ],
}


def _family_index() -> dict[str, str]:
    index = {stem(word): name for name, words in _FAMILIES.items() for word in words.split()}
    for name, pairs in _FAMILY_PAIRS.items():
        index.update((" ".join(stem(w) for w in pair.split()), name) for pair in pairs)
    return index


_FAMILY_OF = _family_index()


FAMILY_WORDS = frozenset(word for words in _FAMILIES.values() for word in words.split())


def concepts(feats: Iterable[str]) -> list[str]:
    """The word-family features of `features()` output: "kaspersky" adds "@security", "~norton" "~@security"."""
    out: list[str] = []
    for f in feats:
        negated = f.startswith("~")
        family = _FAMILY_OF.get(f.lstrip("~").replace("~", ""))
        if family is not None:
            out.append("~" + family if negated else family)
    return list(dict.fromkeys(out))
