"""The per-conversation state machine: `Engine.respond(session, event, now) -> (session, reply)`.

Pure and total: no I/O, no clock (the caller passes `now`), never raises for any event. Imports only the
standard library, rapidfuzz and the engine's own modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from bot.engine.content import ROOT, step_applies
from bot.engine.matcher import SWITCH, Matcher
from bot.engine.model import (
    Button,
    Catalog,
    Choice,
    Command,
    Event,
    HandoffClosed,
    Intent,
    Match,
    Outcome,
    Reply,
    Session,
    State,
    Step,
    Text,
    TriageNode,
)
from bot.engine.slots import extract_slots
from bot.engine.text import STOPWORDS, features, looks_foreign, normalise

DAY = 24 * 3600.0
MAX_WORDS = 3  # how many of the person's own messages a human's summary keeps


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
SHORT_ANSWER = 3  # at a menu, up to this many words can be an answer; more is a description
SEQ_BASE = 10  # new conversations number their questions from ten times the clock, so buttons never repeat


def _remember(session: Session, text: str) -> Session:
    """Keep the person's own description for a human's summary (the last few, shortened)."""
    return session.evolve(words=(*session.words, text[:500])[-MAX_WORDS:])


def _describes_problem(text: str) -> bool:
    """Long enough to be a new problem, not a short answer like "windows with itunes"."""
    return len([f for f in features(text) if " " not in f and not f.startswith("~")]) >= 3


@dataclass(slots=True)
class _Out:
    """A reply being built."""

    messages: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    chosen: str | None = None
    match: Match | None = None
    handoff: bool = False
    forget: bool = False

    def say(self, *texts: str) -> None:
        self.messages.extend(t for t in texts if t)

    def build(self) -> Reply:
        return Reply(
            tuple(self.messages),
            tuple(self.buttons),
            self.chosen,
            self.match,
            tuple(self.outcomes),
            self.handoff,
            self.forget,
        )


class Engine:
    """Holds the catalog and matcher; one Engine serves every conversation."""

    def __init__(
        self,
        catalog: Catalog,
        matcher: Matcher | None = None,
        *,
        ttl_seconds: float = DAY,
        handoff_available: bool = False,
    ) -> None:
        self.catalog = catalog
        self.matcher = matcher or Matcher.from_catalog(catalog)
        self.ttl = ttl_seconds
        self.handoff_available = handoff_available

    # ------------------------------------------------------------ entry point

    def respond(self, session: Session, event: Event, now: float) -> tuple[Session, Reply]:
        out = _Out()
        if session.last_active and now - session.last_active > self.ttl:
            if session.state != "idle":
                if session.intent:
                    out.outcomes.append(Outcome("abandoned", session.intent))
                out.say(self.catalog.text("expired"))
            session = Session(seq=session.seq)
        if not self._fits_content(session):  # saved under content that has since changed: start over
            session = Session(seq=session.seq)
        if not session.started:
            # a new conversation numbers its questions from the clock, so a button from an earlier, forgotten
            # or expired conversation can never match a question of this one
            session = session.evolve(started=now, seq=max(session.seq, int(now * SEQ_BASE) % 10**9))
        if isinstance(event, HandoffClosed):
            session = self._handoff_closed(session, out)
        elif isinstance(event, Command):
            session = self._command(session, event, out)
        elif isinstance(event, Choice):
            session = self._choice(session, event.data, out)
        else:
            session = self._text(session, event.text if isinstance(event, Text) else "", out)
        return session.evolve(last_active=now), out.build()

    def _fits_content(self, session: Session) -> bool:
        """Every id the session points at still exists in the catalog."""
        catalog = self.catalog
        if session.intent is not None and session.intent not in catalog.intents:
            return False
        if session.state == "disambiguate" and any(c not in catalog.intents for c in session.candidates):
            return False
        if session.state == "slot":
            return session.node in catalog.questions
        if session.state == "triage":
            return session.node in catalog.triage
        if session.state == "step":
            intent = catalog.intents.get(session.intent or "")
            return intent is not None and session.step < len(self._steps(intent, session))
        return True

    def present(self, session: Session) -> tuple[Session, Reply]:
        """The pending question again (for an adapter that lost the keyboard); the menu when idle."""
        out = _Out()
        session = self._repeat(session, out)
        return session, out.build()

    # ------------------------------------------------------------ events

    def _command(self, session: Session, event: Command, out: _Out) -> Session:
        name = event.name.lower().lstrip("/")
        text = self.catalog.text
        if name == "start":
            if session.intent and session.state not in ("idle", "handoff"):
                out.outcomes.append(Outcome("abandoned", session.intent))
            fresh = Session(started=session.started, seq=session.seq)
            payload = event.arg.strip().lower()
            intent = self.catalog.intents.get(payload)
            if intent and intent.kind == "cause":
                return self._start_intent(fresh, intent, "", out)
            if payload in self.catalog.triage:
                return self._triage(fresh, payload, out)
            in_category = [i.id for i in self.catalog.intents.values() if i.category == payload and i.kind == "cause"]
            if in_category:
                return self._disambiguate(fresh, in_category, out, prompt=text("menu_prompt"))
            out.say(text("greeting"))
            return self._triage(fresh, ROOT, out, prompt=text("menu_prompt"))
        if name == "reset":
            if session.intent and session.state not in ("idle", "handoff"):
                out.outcomes.append(Outcome("abandoned", session.intent))
            out.say(text("reset"))
            return self._triage(
                Session(started=session.started, seq=session.seq), ROOT, out, prompt=text("menu_prompt")
            )
        if name == "forget":
            out.forget = True
            out.say(text("forget"))
            return Session(seq=session.seq)
        if name in ("human", "support", "operator"):
            return self._human(session, out)
        out.say(text("help"))
        return self._repeat(session, out, quiet_when_idle=True)

    def _handoff_closed(self, session: Session, out: _Out) -> Session:
        out.outcomes.append(Outcome("handoff", session.intent, None, "closed"))
        out.say(self.catalog.text("handoff_closed"))
        return self._ask(session, "feedback", None, self.catalog.text("feedback_question"), out)

    def _choice(self, session: Session, data: str, out: _Out) -> Session:
        seq, _, value = data.partition(":")
        options = dict(self._options(session))
        if session.state in ("idle", "handoff") or seq != str(session.seq) or value not in options:
            out.say(self.catalog.text("stale_option"))
            return self._repeat(session, out)
        out.chosen = options[value]
        return self._answer(session, value, out)

    def _text(self, session: Session, raw: str, out: _Out) -> Session:
        text = raw.strip()
        if not text or (not normalise(text) and not looks_foreign(text)):
            out.say(self.catalog.text("empty"))
            return self._repeat(session, out, quiet_when_idle=True)
        if session.state not in ("idle", "handoff"):
            value = self._read_answer(session, text)
            if value is not None:
                stated = {k: v for k, v in extract_slots(text).items() if k not in session.slots}
                return self._answer(session.evolve(misses=0, slots={**session.slots, **stated}), value, out)
            return self._interrupt(session, text, out)
        return self._understand(session.evolve(state="idle"), text, out)

    # ------------------------------------------------------------ free text when nothing is pending

    def _understand(self, session: Session, text: str, out: _Out, match: Match | None = None) -> Session:
        t = self.catalog.text
        if looks_foreign(text):
            out.match = Match(None, "none", 0.0)
            out.outcomes.append(Outcome("out_of_scope", None, None, "language"))
            out.say(t("other_language"))
            return self._triage(session, ROOT, out, prompt=t("out_of_scope_menu"))
        match = match or self.matcher.match(text)
        out.match = match
        intent = self.catalog.intents.get(match.intent or "")
        if intent is None:
            out.outcomes.append(Outcome("out_of_scope"))
            out.say(t("out_of_scope"))
            return self._triage(session, ROOT, out, prompt=t("out_of_scope_menu"))
        session = _remember(session, text)
        if intent.kind == "cause" and match.ambiguous:
            return self._disambiguate(session, (intent.id, *match.ambiguous), out)
        if intent.kind in ("cause", "general"):
            return self._start(session, intent, text, out)
        return self._small_talk(session, intent, out)

    def _small_talk(self, session: Session, intent: Intent, out: _Out) -> Session:
        t = self.catalog.text
        if intent.kind == "human":
            return self._human(session, out)
        out.say(intent.reply)
        if intent.kind == "out_of_scope":
            out.outcomes.append(Outcome("out_of_scope", intent.id))
            return self._triage(session, ROOT, out, prompt=t("out_of_scope_menu"))
        if intent.kind in ("greeting", "confused"):
            return self._triage(session, ROOT, out, prompt=t("menu_prompt"))
        return session.evolve(state="idle", node=None)

    def _start(self, session: Session, intent: Intent, text: str, out: _Out) -> Session:
        if intent.kind == "general":
            slots = {**session.slots, **extract_slots(text)}
            return self._triage(session.evolve(slots=slots, intent=None), intent.start, out)
        return self._start_intent(session, intent, text, out)

    # ------------------------------------------------------------ free text while a question is pending

    def _interrupt(self, session: Session, text: str, out: _Out) -> Session:
        t = self.catalog.text
        if session.state == "triage" and session.intent is None:
            # at a menu with no problem under way, a message we understand is simply the problem
            match = self.matcher.match(text)
            if match.intent is not None or looks_foreign(text):
                return self._understand(session.evolve(state="idle", node=None), text, out, match)
        if looks_foreign(text):
            out.say(t("other_language"))
            return self._repeat(session, out)
        match = self.matcher.match(text)
        out.match = match
        intent = self.catalog.intents.get(match.intent or "")
        if (
            intent
            and intent.kind == "cause"
            and intent.id != session.intent
            and not match.ambiguous
            and match.score >= SWITCH
            and _describes_problem(text)
        ):
            if session.state == "step":
                out.outcomes.append(Outcome("abandoned", session.intent, session.step, "topic switch"))
            out.say(t("topic_switch", title=intent.title))
            return self._start_intent(_remember(session, text), intent, text, out, announce=False)
        if intent and intent.kind == "human":
            return self._human(session, out)
        if intent and intent.kind == "greeting":
            out.say(t("greeting_mid_flow"))
            return self._repeat(session, out)
        narrowed = self._narrow(session, text)
        if narrowed:  # "windows" at "which computer and app?": ask again with just the Windows options
            question = self.catalog.questions[session.node or ""]
            return self._ask(session.evolve(candidates=narrowed), "slot", question.slot, t("narrowed"), out)
        if intent and intent.kind == "confused":  # "what do you mean?": explain, then the same question
            out.say(intent.reply)
            return self._repeat(session, out)
        if intent and intent.kind in ("thanks", "bye"):
            out.say(intent.reply)
            if session.state in ("feedback", "offer_human"):
                return session.evolve(state="idle", node=None)
            return self._repeat(session, out)
        if session.misses >= 1:
            if session.state == "triage" and session.node == ROOT:
                # the menu did not help twice: ask for their own words instead of showing it a third time
                out.say(t("clarify_free_text"))
                return session.evolve(state="idle", node=None, misses=0)
            out.say(t("reask_menu"))
            return self._triage(session.evolve(misses=0, intent=None), ROOT, out, prompt=t("menu_prompt"))
        out.say(t("reask"))
        return self._repeat(session.evolve(misses=session.misses + 1), out)

    def _read_answer(self, session: Session, text: str) -> str | None:
        """The option value `text` picks for the pending question, or None."""
        options = self._options(session)
        flat = normalise(text)
        if flat.isdigit() and 1 <= int(flat) <= len(options):
            return options[int(flat) - 1][0]
        for value, label in options:
            if flat == normalise(label):
                return value
        if session.state in ("step", "feedback", "offer_human"):
            wanted = self._yes_no(flat)
            at_check = session.state == "step" and self._is_check(session)
            mapping = {
                "step": {"yes": "next", "no": "next", "skip": "next"}
                if at_check
                else {"yes": "fixed", "no": "not_fixed", "skip": "skip"},
                "feedback": {"yes": "helpful", "no": "not_helpful"},
                "offer_human": {"yes": "human", "no": "done"},
            }[session.state]
            return mapping.get(wanted or "")
        if session.state == "slot" and session.node:
            return self._read_slot(session.node, text, flat)
        if session.state == "disambiguate":
            if flat in ("something else", "none", "neither", "none of these", "other"):
                return "else"
            ranked = [c.intent.id for c in self.matcher.rank(text, 3)]
            for intent_id in ranked[:1]:
                if intent_id in session.candidates:
                    return intent_id
        if session.state == "triage":
            node = self.catalog.triage[session.node or ROOT]
            chosen = self._read_triage(node, text, flat)
            if chosen is not None:
                return chosen
        labels = [normalise(label) for _, label in options]
        scores = [fuzz.ratio(flat, label) for label in labels]
        if scores and max(scores) >= 85:
            return options[scores.index(max(scores))][0]
        return None

    def _read_triage(self, node: TriageNode, text: str, flat: str) -> str | None:
        """A menu option picked in words: by the slot it sets ("icloud", "pc"), by the words of its label
        ("storage", "wifi"), or by the intent the words describe. A longer description is no menu answer:
        it is understood as the problem itself."""
        typed = {w for w in flat.split() if w not in STOPWORDS}
        if len(typed) > SHORT_ANSWER:
            return None
        for j, option in enumerate(node.options):
            for slot, value in option.set.items():
                if slot in self.catalog.questions and self._read_slot(slot, text, flat) == value:
                    return str(j)
        if typed:
            fits = [j for j, o in enumerate(node.options) if typed <= set(normalise(o.label).split())]
            if len(fits) == 1:
                return str(fits[0])
        ranked = [c.intent.id for c in self.matcher.rank(text, 1)]
        for j, option in enumerate(node.options):
            if option.goto in ranked:
                return str(j)
        return None

    def _narrow(self, session: Session, text: str) -> tuple[str, ...]:
        """The slot options whose labels share every typed word, when that is some but not all of them."""
        if session.state != "slot" or session.node not in self.catalog.questions:
            return ()
        typed = {w for w in normalise(text).split() if w not in STOPWORDS}
        if not typed or len(typed) > SHORT_ANSWER:
            return ()
        options = self._options(session)
        fits = tuple(v for v, label in options if typed <= set(normalise(label).split()))
        return fits if 1 < len(fits) < len(options) else ()

    def _read_slot(self, slot: str, text: str, flat: str) -> str | None:
        found = extract_slots(text).get(slot)
        if found:
            return found
        padded = f" {flat} "
        best: tuple[int, str] | None = None
        for option in self.catalog.questions[slot].options:
            for synonym in (option.label, *option.synonyms):
                key = normalise(synonym)
                if key and f" {key} " in padded and (best is None or len(key) > best[0]):
                    best = (len(key), option.value)
        return best[1] if best else None

    @staticmethod
    def _yes_no(flat: str) -> str | None:
        if flat in SKIP:
            return "skip"
        if flat in YES or flat.startswith(("yes ", "yep ", "yeah ", "it worked", "that worked", "worked")):
            return "yes"
        if flat in NO or flat.startswith(("no ", "nope ", "still ", "didnt ", "it didnt")):
            return "no"
        return None

    # ------------------------------------------------------------ answers (buttons and recognised text)

    def _answer(self, session: Session, value: str, out: _Out) -> Session:
        if session.state == "slot" and session.node:
            slots = {**session.slots, session.node: value}
            session = session.evolve(candidates=())
            intent = self.catalog.intents[session.intent or ""]
            return self._continue_intent(session.evolve(slots=slots), intent, out)
        if session.state == "triage":
            node = self.catalog.triage[session.node or ROOT]
            option = node.options[int(value)]
            session = session.evolve(slots={**session.slots, **option.set})
            target = self.catalog.intents.get(option.goto)
            if target is not None:
                return self._start_intent(session, target, "", out)
            return self._triage(session, option.goto, out)
        if session.state == "disambiguate":
            if value == "else":
                out.say(self.catalog.text("clarify_free_text"))
                return session.evolve(state="idle", node=None, candidates=())
            return self._start_intent(session, self.catalog.intents[value], "", out)
        if session.state == "step":
            return self._step_result(session, value, out)
        if session.state == "feedback":
            out.outcomes.append(Outcome("feedback", session.intent, None, value))
            out.say(self.catalog.text("feedback_thanks"))
            return session.evolve(state="idle", node=None)
        if session.state == "offer_human":
            if value == "human":
                return self._human(session, out)
            out.say(self.catalog.text("goodbye"))
            return session.evolve(state="idle", node=None)
        return session

    def _step_result(self, session: Session, value: str, out: _Out) -> Session:
        t = self.catalog.text
        intent = self.catalog.intents[session.intent or ""]
        out.outcomes.append(Outcome("step", intent.id, session.step, value))
        tried = (*session.tried, (session.step, value))
        if value == "fixed":
            out.outcomes.append(Outcome("resolved", intent.id, session.step))
            out.say(t("fixed"))
            return self._ask(session.evolve(tried=tried), "feedback", None, t("feedback_question"), out)
        session = session.evolve(step=session.step + 1, tried=tried)
        if session.step < len(self._steps(intent, session)):
            return self._present_step(session, intent, out)
        out.outcomes.append(Outcome("escalated", intent.id, session.step))
        out.say(t("steps_exhausted"), self.catalog.escalations.get(intent.escalation, ""))
        if self.handoff_available:
            return self._ask(session, "offer_human", None, t("offer_human"), out)
        return self._ask(session, "feedback", None, t("feedback_question"), out)

    def _human(self, session: Session, out: _Out) -> Session:
        t = self.catalog.text
        if not self.handoff_available:
            out.say(t("human_unavailable"))
            return self._repeat(session, out, quiet_when_idle=True)
        out.handoff = True
        out.outcomes.append(Outcome("handoff", session.intent, session.step if session.intent else None))
        out.say(t("human_requested"))
        return session.evolve(state="handoff", node=None)

    # ------------------------------------------------------------ intents and steps

    def _start_intent(
        self, session: Session, intent: Intent, text: str, out: _Out, *, announce: bool = True
    ) -> Session:
        slots = {k: v for k, v in session.slots.items() if k != "route"}
        slots.update(extract_slots(text) if text else {})
        if intent.route != "both":
            slots["route"] = intent.route
        elif "route" in session.slots and "route" not in slots:
            slots["route"] = session.slots["route"]
        session = session.evolve(intent=intent.id, step=0, tried=(), slots=slots, candidates=(), misses=0)
        if announce:
            out.say(self.catalog.text("intent_start", title=intent.title))
        return self._continue_intent(session, intent, out)

    def _continue_intent(self, session: Session, intent: Intent, out: _Out) -> Session:
        for slot in intent.needs:
            if slot not in session.slots:
                question = self.catalog.questions[slot]
                return self._ask(session, "slot", slot, question.text, out)
        out.say(intent.intro)
        return self._present_step(session, intent, out)

    def _steps(self, intent: Intent, session: Session) -> list[Step]:
        return [s for s in intent.steps if step_applies(s, session.slots)]

    def render_step(self, intent: Intent, session: Session) -> str:
        steps = self._steps(intent, session)
        step = steps[min(session.step, len(steps) - 1)]
        values = {}
        for name, holder in self.catalog.placeholders.items():
            slot_value = session.slots.get(holder.slot, "not_sure")
            values[name] = holder.values.get(slot_value) or holder.values.get("not_sure", "")
        t = self.catalog.text
        parts = [f"{t('step_header', n=str(session.step + 1), total=str(len(steps)))} {step.text.format(**values)}"]
        if step.warning:
            parts.append(f"{t('warning_prefix')} {step.warning.format(**values)}")
        return "\n\n".join(parts)

    def _present_step(self, session: Session, intent: Intent, out: _Out) -> Session:
        t = self.catalog.text
        out.say(self.render_step(intent, session))
        question = t("check_question") if self._is_check(session) else t("step_question")
        return self._ask(session, "step", None, question, out)

    def _is_check(self, session: Session) -> bool:
        """The pending step only looks something up (content: check = true)."""
        intent = self.catalog.intents.get(session.intent or "")
        steps = self._steps(intent, session) if intent else []
        return session.step < len(steps) and steps[session.step].check

    # ------------------------------------------------------------ questions

    def _triage(self, session: Session, node_id: str, out: _Out, *, prompt: str | None = None) -> Session:
        node = self.catalog.triage[node_id]
        slots = {slot for o in node.options for slot in o.set}
        if len(slots) == 1 and all(o.set for o in node.options):
            (slot,) = slots
            known = session.slots.get(slot)
            for option in node.options:
                if known is not None and option.set[slot] == known:
                    target = self.catalog.intents.get(option.goto)
                    if target is not None:
                        return self._start_intent(session, target, "", out)
                    return self._triage(session, option.goto, out, prompt=prompt)
        return self._ask(session.evolve(intent=None), "triage", node_id, prompt or node.text, out)

    def _disambiguate(
        self, session: Session, candidates: Sequence[str], out: _Out, *, prompt: str | None = None
    ) -> Session:
        unique = tuple(dict.fromkeys(candidates))
        return self._ask(
            session.evolve(candidates=unique), "disambiguate", None, prompt or self.catalog.text("did_you_mean"), out
        )

    def _ask(self, session: Session, state: State, node: str | None, question: str, out: _Out) -> Session:
        """Put a new question (a new seq: older buttons become stale); its buttons come from `_options`."""
        session = session.evolve(state=state, node=node, seq=session.seq + 1)
        out.say(question)
        out.buttons = [Button(f"{session.seq}:{value}", label) for value, label in self._options(session)]
        return session

    def _options(self, session: Session) -> list[tuple[str, str]]:
        """(value, label) of the pending question's options."""
        t = self.catalog.text
        node = session.node or ""
        if session.state == "slot" and node in self.catalog.questions:
            options = self.catalog.questions[node].options
            keep = set(session.candidates) | {"not_sure"} if session.candidates else None
            return [(o.value, o.label) for o in options if keep is None or o.value in keep]
        if session.state == "triage" and node in self.catalog.triage:
            return [(str(j), o.label) for j, o in enumerate(self.catalog.triage[node].options)]
        if session.state == "disambiguate":
            return [
                *((c, self.catalog.intents[c].title) for c in session.candidates if c in self.catalog.intents),
                ("else", t("something_else")),
            ]
        if session.state == "step":
            if self._is_check(session):
                return [("next", t("opt_next")), ("fixed", t("opt_solved"))]
            return [("fixed", t("opt_fixed")), ("not_fixed", t("opt_not_fixed")), ("skip", t("opt_skip"))]
        if session.state == "feedback":
            return [("helpful", t("opt_helpful")), ("not_helpful", t("opt_not_helpful"))]
        if session.state == "offer_human":
            return [("human", t("opt_human")), ("done", t("opt_done"))]
        return []

    def _repeat(self, session: Session, out: _Out, *, quiet_when_idle: bool = False) -> Session:
        """Show the pending question again with its buttons (same seq: its old buttons stay valid).

        With nothing pending, open the menu (or say nothing more when `quiet_when_idle`)."""
        t = self.catalog.text
        options = self._options(session)
        if not options:
            if quiet_when_idle:
                return session
            return self._triage(session.evolve(state="idle"), ROOT, out, prompt=t("menu_prompt"))
        node, intent = session.node or "", session.intent or ""
        if session.state == "step" and intent in self.catalog.intents:
            question = t("check_question") if self._is_check(session) else t("step_question")
            out.say(self.render_step(self.catalog.intents[intent], session), question)
        elif session.state == "slot" and node in self.catalog.questions:
            out.say(self.catalog.questions[node].text)
        elif session.state == "triage" and node in self.catalog.triage:
            out.say(self.catalog.triage[node].text)
        elif session.state == "disambiguate":
            out.say(t("did_you_mean"))
        elif session.state == "feedback":
            out.say(t("feedback_question"))
        elif session.state == "offer_human":
            out.say(t("offer_human"))
        out.buttons = [Button(f"{session.seq}:{value}", label) for value, label in options]
        return session
