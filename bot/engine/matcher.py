"""Understand free text: rank the catalog's intents for a message.

How it scores: every phrase, alert and keyword of an intent becomes a bag of word and word-pair features
(engine/text.py), weighted by how few intents use them (a word in every intent says nothing). A message is
compared with each phrase (best phrase wins) and with the intent as a whole (centroid), so one shared
common word can never carry a match, unlike WRatio on long phrases. A naive Bayes posterior over the same
features is added: it weighs many weak clues in a long story better than a similarity does. The cutoff that
decides "none" looks at the similarity alone, since a posterior always sums to one. Misspelt words are
corrected against the catalog's vocabulary with rapidfuzz (OSA distance), and pasted alert texts are recognised
with rapidfuzz's
partial_ratio. Imports only the standard library and rapidfuzz.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.engine.model import Catalog, Intent, Match
from bot.engine.text import (
    FAMILY_WORDS,
    PHONE_TOKEN,
    SCAM_TOKEN,
    clauses,
    concepts,
    features,
    looks_foreign,
    normalise,
    stem,
    unsure,
)

PHRASE_WEIGHT = 0.6  # best single phrase vs. the intent as a whole
NB_WEIGHT = 0.5  # weight of the naive Bayes posterior added to the similarity score
NB_TEMPERATURE = 1.0  # naive Bayes log-odds are divided by this before normalising
NB_ALPHA = 0.1  # additive smoothing of the naive Bayes word counts
PAIR_WEIGHT = 0.5  # a word pair ("icloud full") counts half as much as its own weight says
CATEGORY_WEIGHT = 0.3  # weight of a second naive Bayes with one class per category (more data per class)
GENERAL_MARGIN = 0.2  # a cause must beat the vague "general" reading by this much, or the bot asks first
SCOPE_MASS = 0.3  # when out-of-scope intents hold this much of the posterior, the best of them wins (not when
# a backup is said to fail: "the backup fails since a kiosk replaced my port" is a backup problem, not a repair)
# The weights above were chosen by 5-fold cross-validation over the content's own phrases (not on a test set).
KEYWORD_BONUS = 0.12
ALERT_BONUS = 0.35  # a pasted alert that names a cause
GENERIC_ALERT_BONUS = 0.12  # a pasted generic alert: any cause the person adds should still win
CUTOFF = 0.2  # below this, nothing matched: the message is not about a backup problem we know
MARGIN = 0.04  # top two closer than this (and in different intents) are ambiguous
COMMON_WORD_IDF = math.log(1 + 3)  # idf of a word found in a third of the intents
SHORT = 3  # messages with fewer known words than this rely less on single phrases
CORRECTED_WEIGHT = 0.7  # features that exist only thanks to a typo correction
LEADING = 8  # best-phrase similarity is computed for this many leading intents
SWITCH = 0.55  # mid-conversation, a message must score this much to switch to another problem
BACKUP_WORDS = frozenset(stem(w) for w in ("backup", "sync", "itunes", "finder"))  # about backing up at all
FAILING = frozenset(
    stem(w) for w in "fail failed failing error errors wont cant doesnt isnt couldnt didnt stops stopped stuck".split()
)  # words of a failure: with a backup word, the message is about a failing backup (see SCOPE_MASS)
_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Candidate:
    intent: Intent
    score: float


Vector = dict[str, float]


def _with_concepts(feats: list[str]) -> set[str]:
    return {*feats, *concepts(feats)}


def _unit(vector: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {f: w / norm for f, w in vector.items()} if norm else {}


class Matcher:
    """Built once from a Catalog; `match()` is then cheap and never raises on any text."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        cutoff: float = CUTOFF,
        margin: float = MARGIN,
        phrase_weight: float = PHRASE_WEIGHT,
        keyword_bonus: float = KEYWORD_BONUS,
        alert_bonus: float = ALERT_BONUS,
        generic_alert_bonus: float = GENERIC_ALERT_BONUS,
        nb_weight: float = NB_WEIGHT,
        scope_mass: float | None = SCOPE_MASS,
        nb_alpha: float = NB_ALPHA,
        pair_weight: float = PAIR_WEIGHT,
        category_weight: float = CATEGORY_WEIGHT,
        general_margin: float = GENERAL_MARGIN,
        nb_temperature: float = NB_TEMPERATURE,
        failing_guard: bool = True,
    ) -> None:
        self.failing_guard = failing_guard
        self.nb_temperature = nb_temperature
        self.general_margin = general_margin
        self.category_weight = category_weight
        self.scope_mass = scope_mass
        self.nb_weight = nb_weight
        self.cutoff = cutoff
        self.margin = margin
        self.phrase_weight = phrase_weight
        self.keyword_bonus = keyword_bonus
        self.alert_bonus = alert_bonus
        self.generic_alert_bonus = generic_alert_bonus
        self._intents = list(catalog.intents.values())
        docs: list[tuple[int, str]] = []  # (intent index, text)
        for i, intent in enumerate(self._intents):
            docs.extend((i, text) for text in (*intent.phrases, *intent.alerts, *intent.keywords))

        self._vocab: set[str] = set()
        for _, text in docs:
            for words, _ruled_out in clauses(text):
                self._vocab.update(w for w in words if w.isalpha() and len(w) >= 3)
        self._vocab.update(FAMILY_WORDS)  # a brand the content never names is a word, not a typo
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self._vocab):
            self._by_initial[word[0]].append(word)
        self._corrections: dict[str, str | None] = {}

        doc_features = [(i, _with_concepts(features(text))) for i, text in docs]
        owners: dict[str, set[int]] = defaultdict(set)
        for i, feats in doc_features:
            for f in feats:
                owners[f].add(i)
        n = len(self._intents)
        self._idf = {f: math.log(1 + n / len(who)) * (pair_weight if " " in f else 1.0) for f, who in owners.items()}

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
        counts: list[dict[str, int]] = [defaultdict(int) for _ in self._intents]
        for i, feats in doc_features:
            for f in feats:
                counts[i][f] += 1
        totals = [sum(c.values()) for c in counts]
        size = len(self._idf)
        denominators = [math.log(t + nb_alpha * size) for t in totals]
        # naive Bayes, stored sparsely: log P(f|i) = log(alpha) - denominator[i] + boost[f][i] where i has f
        self._nb_base = [math.log(nb_alpha) - d for d in denominators]
        self._nb_boost: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, c in enumerate(counts):
            for f, k in c.items():
                self._nb_boost[f].append((i, math.log((k + nb_alpha) / nb_alpha)))
        # the same naive Bayes with one class per category (general and none are categories too)
        self._categories = sorted({intent.category for intent in self._intents})
        self._category_of = [self._categories.index(intent.category) for intent in self._intents]
        cat_counts: list[dict[str, int]] = [defaultdict(int) for _ in self._categories]
        for i, c in enumerate(counts):
            for f, k in c.items():
                cat_counts[self._category_of[i]][f] += k
        cat_denominators = [math.log(sum(c.values()) + nb_alpha * size) for c in cat_counts]
        self._cat_base = [math.log(nb_alpha) - d for d in cat_denominators]
        self._cat_boost: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for j, c in enumerate(cat_counts):
            for f, k in c.items():
                self._cat_boost[f].append((j, math.log((k + nb_alpha) / nb_alpha)))
        # phrases grouped per intent, so best-phrase similarity is computed for the leading intents only
        self._phrases_of: list[dict[str, list[tuple[int, float]]]] = [defaultdict(list) for _ in self._intents]
        for f, postings in phrase_index.items():
            for k, pw in postings:
                self._phrases_of[self._phrase_owner[k]][f].append((k, pw))
        self._intent_index = dict(intent_index)

        self._keywords = [
            (f" {normalise(k)} ", i) for i, intent in enumerate(self._intents) for k in intent.keywords if normalise(k)
        ]
        # intents that apply only when the message names one of their terms (e.g. another device)
        self._requires = [
            (i, [f" {normalise(term)} " for term in intent.requires if normalise(term)])
            for i, intent in enumerate(self._intents)
            if intent.requires
        ]
        # help seekers don't post phone numbers or relay phishing: the intents that require those tokens decide
        self._token_intents = {
            token: [i for i, terms in self._requires if f" {token} " in terms] for token in (PHONE_TOKEN, SCAM_TOKEN)
        }
        self._fallback = next((i for i in self._intents if i.kind == "general"), None)
        self._by_id = {intent.id: intent for intent in self._intents}
        self._by_id_index = {intent.id: i for i, intent in enumerate(self._intents)}
        self._generic_alert_owner = next((i for i in self._intents if i.kind == "general" and i.alerts), None)
        self._alerts = [
            (normalise(a), set(normalise(a).split()), i)
            for i, intent in enumerate(self._intents)
            for a in intent.alerts
            if len(normalise(a)) >= 8
        ]

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Matcher:
        return cls(catalog)

    # ------------------------------------------------------------ public

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """Intents ordered by score, best first; empty when nothing in the message is known."""
        scores, _, _, _ = self._scores(text)
        return self._top(scores, limit)

    def _top(self, scores: dict[int, float], limit: int) -> list[Candidate]:
        best = sorted(scores.items(), key=lambda item: -item[1])[:limit]
        return [Candidate(self._intents[i], round(s, 4)) for i, s in best if s > 0]

    def match(self, text: str) -> Match:
        """The best intent, or category 'none' when the message is foreign, empty or below the cutoff."""
        flat = normalise(text)
        if not text.strip() or looks_foreign(text) or unsure(flat, normalised=True):
            return Match(None, "none", 0.0)  # "no idea" answers nothing and asks for nothing
        for token, owners in self._token_intents.items():
            if owners and f" {token} " in f" {flat} ":
                scores, _, _, _ = self._scores(text)
                best = max(owners, key=lambda i: scores.get(i, 0.0))
                intent = self._intents[best]
                return Match(intent.id, intent.category, round(max(scores.get(best, 0.0), self.cutoff), 4))
        remainder = self._without_generic_alert(flat)
        if remainder is not None:
            # labelling rule 3: a bare generic alert is general; the same alert plus a cause is that cause
            rest = self.match(remainder) if normalise(remainder) else None
            if rest is not None and rest.intent and self._by_id[rest.intent].kind == "cause":
                return rest
            alert_intent = self._generic_alert_owner
            return Match(alert_intent.id if alert_intent else None, "general", 1.0)
        scores, similarity, posterior, alerted = self._scores(text)
        evidence = max(similarity.values(), default=0.0)
        ranked = self._top(scores, 3)
        top_alerted = bool(ranked) and self._by_id_index[ranked[0].intent.id] in alerted
        if self.scope_mass is not None and ranked and ranked[0].intent.kind in ("cause", "general") and not top_alerted:
            elsewhere = sum(p for i, p in posterior.items() if self._intents[i].category == "none")
            if elsewhere >= self.scope_mass and not (self.failing_guard and self._backup_failing(text)):
                ranked = [c for c in self._top(scores, len(scores)) if c.intent.category == "none"][:3] or ranked
        if not ranked or evidence < self.cutoff:
            score = round(evidence, 4)
            if self._fallback is not None and BACKUP_WORDS & set(features(text)):  # about backups at all?
                # about backing up, but no cause we know: ask, rather than call it out of scope
                return Match(self._fallback.id, "general", score)
            return Match(None, "none", score)
        top = ranked[0]
        if self.general_margin and top.intent.kind == "cause":
            general = next((c for c in self._top(scores, 8) if c.intent.kind == "general"), None)
            if general is not None and general.score >= top.score - self.general_margin:
                top = general
        close = tuple(
            c.intent.id
            for c in ranked[1:3]
            if top.score - c.score < self.margin and c.intent.kind in ("cause", "general")
        )
        return Match(top.intent.id, top.intent.category, top.score, close)

    @staticmethod
    def _backup_failing(text: str) -> bool:
        """A backup that fails ("the backup keeps failing since the water damage"): an in-scope problem, even when
        the rest of the message reads like an out-of-scope topic (a repair, an account change, a plan)."""
        words = {f.lstrip("~") for f in features(text) if " " not in f}
        return bool(BACKUP_WORDS & words) and bool(FAILING & words)

    # ------------------------------------------------------------ scoring

    def _without_generic_alert(self, flat: str) -> str | None:
        """The normalised text with a pasted generic alert cut out, or None when it contains none."""
        words = set(flat.split())
        for alert, alert_words, i in self._alerts:
            if self._intents[i].kind != "general" or len(alert_words & words) * 2 < len(alert_words):
                continue
            found = fuzz.partial_ratio_alignment(alert, flat, score_cutoff=90)
            if found is not None:
                return flat[: found.dest_start] + " " + flat[found.dest_end :]
        return None

    def _correct(self, word: str) -> str | None:
        if word in self._corrections:
            return self._corrections[word]
        if len(self._corrections) > _CACHE_LIMIT:
            self._corrections.clear()
        limit = 1 if len(word) <= 5 else 2
        found = process.extractOne(word, self._by_initial.get(word[0], ()), scorer=OSA.distance, score_cutoff=limit)
        self._corrections[word] = found[0] if found else None
        return self._corrections[word]

    def _query(self, parsed: list[tuple[list[str], bool]]) -> Vector:
        corrections: dict[str, str] = {}
        for words, _ in parsed:
            for word in words:
                if word not in self._vocab and len(word) >= 5 and word.isalpha() and word not in corrections:
                    fixed = self._correct(word)
                    if fixed:
                        corrections[word] = fixed
        plain = _with_concepts(features(parsed))
        found = _with_concepts(features(parsed, corrections)) if corrections else plain
        # a corrected word is a guess ("capital" may be "capitan", or just the capital of France): weigh it less
        vector = _unit({f: self._idf[f] for f in found if f in self._idf})
        return {f: w if f in plain else w * CORRECTED_WEIGHT for f, w in vector.items()}

    def _posterior(self, query: Vector, base: list[float], boosts: dict[str, list[tuple[int, float]]]) -> list[float]:
        """Naive Bayes posterior over the classes (uniform prior) for the query's features, tempered.

        Naive Bayes counts every word as independent evidence, so a posterior of 0.99 is rarely earned: dividing
        the log-odds by a temperature keeps a runner-up in sight."""
        log_post = [b * len(query) for b in base]
        for f in query:
            for j, boost in boosts.get(f, ()):
                log_post[j] += boost
        top = max(log_post)
        odds = [math.exp((lp - top) / self.nb_temperature) for lp in log_post]
        total = sum(odds)
        return [o / total for o in odds]

    def _scores(self, text: str) -> tuple[dict[int, float], dict[int, float], dict[int, float], set[int]]:
        """Score per intent index, and the best similarity (plus keyword/alert bonus) without naive Bayes."""
        parsed = clauses(text)
        query = self._query(parsed)
        centroid: dict[int, float] = defaultdict(float)
        for f, w in query.items():
            for i, iw in self._intent_index.get(f, ()):
                centroid[i] += w * iw
        posterior: dict[int, float] = {}
        if query and self.nb_weight:
            probabilities = self._posterior(query, self._nb_base, self._nb_boost)
            posterior = {i: p for i, p in enumerate(probabilities) if p > 0.01}
        leading = sorted(centroid, key=lambda i: -(centroid[i] + posterior.get(i, 0.0)))[:LEADING]
        # a one- or two-word message can equal a short phrase by chance: lean on the intent as a whole instead
        words_known = [f for f in query if " " not in f]
        w = self.phrase_weight * min(1.0, len(words_known) / SHORT)
        # one word used by a third of the intents ("apple", "icloud") says nothing about the cause
        vague = len(words_known) == 1 and self._idf[words_known[0]] < COMMON_WORD_IDF
        similarity = {i: 0.0 if vague else (1 - w) * c for i, c in centroid.items()}
        for i in [] if vague else leading:
            dots: dict[int, float] = defaultdict(float)
            phrases = self._phrases_of[i]
            for f, qw in query.items():
                for k, pw in phrases.get(f, ()):
                    dots[k] += qw * pw
            similarity[i] += w * max(dots.values(), default=0.0)
        flat = " ".join(word for words, _ in parsed for word in words)
        padded = f" {flat} "
        for i in {i for keyword, i in self._keywords if keyword in padded}:
            similarity[i] = similarity.get(i, 0.0) + self.keyword_bonus
        words = set(flat.split())
        alert_bonus: dict[int, float] = {}
        for alert, alert_words, i in self._alerts:
            if len(alert_words & words) * 2 >= len(alert_words):
                ratio = fuzz.partial_ratio(alert, flat, score_cutoff=85)
                if ratio:
                    weight = self.generic_alert_bonus if self._intents[i].kind == "general" else self.alert_bonus
                    alert_bonus[i] = max(alert_bonus.get(i, 0.0), weight * ratio / 100)
        for i, extra in alert_bonus.items():
            similarity[i] = similarity.get(i, 0.0) + extra
        for i, terms in self._requires:
            if not any(term in padded for term in terms):
                similarity.pop(i, None)
                posterior.pop(i, None)
        scores = dict(similarity)
        for i, p in posterior.items():
            scores[i] = scores.get(i, 0.0) + self.nb_weight * p
        if query and self.category_weight:
            category = self._posterior(query, self._cat_base, self._cat_boost)
            for i in scores:
                scores[i] += self.category_weight * category[self._category_of[i]]
        return scores, similarity, posterior, set(alert_bonus)
