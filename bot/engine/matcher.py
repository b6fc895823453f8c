"""Understand free text: rank the catalog's intents for a message.

How it scores: every phrase, alert and keyword of an intent becomes a bag of word and word-pair features
(engine/text.py), weighted by how few intents use them (a word in every intent says nothing). A message is
compared with each phrase (best phrase wins) and with the intent as a whole (centroid), so one shared
common word can never carry a match, unlike WRatio on long phrases. Misspelt words are corrected against the
catalog's vocabulary with rapidfuzz (OSA distance), and pasted alert texts are recognised with rapidfuzz's
partial_ratio. Imports only the standard library and rapidfuzz.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.engine.model import Catalog, Intent, Match
from bot.engine.text import clauses, features, looks_foreign, normalise

PHRASE_WEIGHT = 0.6  # best single phrase vs. the intent as a whole
KEYWORD_BONUS = 0.12
ALERT_BONUS = 0.35
CUTOFF = 0.22  # below this, nothing matched: the message is not about a backup problem we know
MARGIN = 0.04  # top two closer than this (and in different intents) are ambiguous
_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Candidate:
    intent: Intent
    score: float


Vector = dict[str, float]


def _unit(vector: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {f: w / norm for f, w in vector.items()} if norm else {}


class Matcher:
    """Built once from a Catalog; `match()` is then cheap and never raises on any text."""

    def __init__(self, catalog: Catalog, *, cutoff: float = CUTOFF, margin: float = MARGIN) -> None:
        self.cutoff = cutoff
        self.margin = margin
        self._intents = list(catalog.intents.values())
        docs: list[tuple[int, str]] = []  # (intent index, text)
        for i, intent in enumerate(self._intents):
            docs.extend((i, text) for text in (*intent.phrases, *intent.alerts, *intent.keywords))

        self._vocab: set[str] = set()
        for _, text in docs:
            for words, _ruled_out in clauses(text):
                self._vocab.update(w for w in words if w.isalpha() and len(w) >= 3)
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self._vocab):
            self._by_initial[word[0]].append(word)
        self._corrections: dict[str, str | None] = {}

        doc_features = [(i, set(features(text))) for i, text in docs]
        owners: dict[str, set[int]] = defaultdict(set)
        for i, feats in doc_features:
            for f in feats:
                owners[f].add(i)
        n = len(self._intents)
        self._idf = {f: math.log(1 + n / len(who)) for f, who in owners.items()}

        self._phrase_owner: list[int] = []
        phrase_index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        sums: list[Vector] = [defaultdict(float) for _ in self._intents]
        for i, feats in doc_features:
            vector = _unit({f: self._idf[f] for f in feats})
            k = len(self._phrase_owner)
            self._phrase_owner.append(i)
            for f, w in vector.items():
                phrase_index[f].append((k, w))
                sums[i][f] += w
        intent_index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, total in enumerate(sums):
            for f, w in _unit(total).items():
                intent_index[f].append((i, w))
        self._phrase_index = dict(phrase_index)
        self._intent_index = dict(intent_index)

        self._keywords = [(f" {normalise(k)} ", i) for i, intent in enumerate(self._intents)
                          for k in intent.keywords if normalise(k)]
        self._alerts = [(normalise(a), set(normalise(a).split()), i) for i, intent in enumerate(self._intents)
                        for a in intent.alerts if len(normalise(a)) >= 8]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Matcher:
        return cls(catalog)

    # ------------------------------------------------------------ public

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """Intents ordered by score, best first; empty when nothing in the message is known."""
        scores = self._scores(text)
        best = sorted(scores.items(), key=lambda item: -item[1])[:limit]
        return [Candidate(self._intents[i], round(s, 4)) for i, s in best if s > 0]

    def match(self, text: str) -> Match:
        """The best intent, or category 'none' when the message is foreign, empty or below the cutoff."""
        if not text.strip() or looks_foreign(text):
            return Match(None, "none", 0.0)
        ranked = self.rank(text)
        if not ranked or ranked[0].score < self.cutoff:
            return Match(None, "none", ranked[0].score if ranked else 0.0)
        top = ranked[0]
        close = tuple(c.intent.id for c in ranked[1:3]
                      if top.score - c.score < self.margin and c.intent.kind in ("cause", "general"))
        return Match(top.intent.id, top.intent.category, top.score, close)

    # ------------------------------------------------------------ scoring

    def _correct(self, word: str) -> str | None:
        if word in self._corrections:
            return self._corrections[word]
        if len(self._corrections) > _CACHE_LIMIT:
            self._corrections.clear()
        limit = 1 if len(word) <= 5 else 2
        found = process.extractOne(word, self._by_initial.get(word[0], ()), scorer=OSA.distance,
                                   score_cutoff=limit)
        self._corrections[word] = found[0] if found else None
        return self._corrections[word]

    def _query(self, text: str) -> Vector:
        corrections: dict[str, str] = {}
        for words, _ in clauses(text):
            for word in words:
                if word not in self._vocab and len(word) >= 4 and word.isalpha() and word not in corrections:
                    fixed = self._correct(word)
                    if fixed:
                        corrections[word] = fixed
        return _unit({f: self._idf[f] for f in set(features(text, corrections)) if f in self._idf})

    def _scores(self, text: str) -> dict[int, float]:
        query = self._query(text)
        best_phrase: dict[int, float] = defaultdict(float)
        phrase_dot: dict[int, float] = defaultdict(float)
        centroid: dict[int, float] = defaultdict(float)
        for f, w in query.items():
            for k, pw in self._phrase_index.get(f, ()):
                phrase_dot[k] += w * pw
            for i, iw in self._intent_index.get(f, ()):
                centroid[i] += w * iw
        for k, dot in phrase_dot.items():
            i = self._phrase_owner[k]
            if dot > best_phrase[i]:
                best_phrase[i] = dot
        scores = {i: PHRASE_WEIGHT * best_phrase[i] + (1 - PHRASE_WEIGHT) * centroid[i] for i in centroid}
        flat = f" {normalise(text)} "
        for keyword, i in self._keywords:
            if keyword in flat:
                scores[i] = scores.get(i, 0.0) + KEYWORD_BONUS
        words = set(flat.split())
        for alert, alert_words, i in self._alerts:
            if len(alert_words & words) * 2 >= len(alert_words):
                similarity = fuzz.partial_ratio(alert, flat, score_cutoff=85)
                if similarity:
                    scores[i] = scores.get(i, 0.0) + ALERT_BONUS * similarity / 100
        return scores
