"""The per-conversation state machine: `Engine.respond(session, event, now) -> (session, reply)`.

Pure and total: no I/O, no clock (the caller passes `now`), never raises for any event. The states with a
pending question are declared in one table (`Engine.states`) next to their handlers, as PTB's
conversationbot declares its `states`: what each offers, how it is asked again and what an answer does.
Typed answers are read by engine/answers.py, facts by engine/facts.py, steps by engine/steps.py.
Imports only the standard library, rapidfuzz and the engine's own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.engine import facts as facts_
from bot.engine import steps as steps_
from bot.engine.answers import MAC_APPS, Reader, dont_know, family, stated_route
from bot.engine.content import ROOT
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
)
from bot.engine.slots import extract_slots
from bot.engine.text import features, looks_foreign, normalise

DAY = 24 * 3600.0
MAX_WORDS = 3  # how many of the person's own messages a human's summary keeps
SEQ_BASE = 10  # new conversations number their questions from ten times the clock, so buttons never repeat
HALF_SPECIFIC = 0.85  # a runner-up this close to the top reading, under the same menu: ask that menu first
NEXT_CAUSES = 3  # "did I get your problem right?" offers this many other causes
CHECKED = "diagnosis_checked"  # a fact: the diagnosis was checked once; steps running out again escalate
Options = list[tuple[str, str]]


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


@dataclass(frozen=True, slots=True)
class _State:
    """A state with a pending question: its options, its question asked again, what an answer does, and
    whether a saved session in it still fits the content."""

    options: Callable[[Session], Options]
    prompt: Callable[[Session], list[str]]
    answer: Callable[[Session, str, _Out], Session]
    fits: Callable[[Session], bool] = lambda _session: True


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
        self.reader = Reader(catalog, self.matcher)
        self.ttl = ttl_seconds
        self.handoff_available = handoff_available
        t, questions, triage = catalog.text, catalog.questions, catalog.triage
        self.states: dict[State, _State] = {
            "slot": _State(
                self._slot_options,
                lambda s: [questions[s.node or ""].text],
                self._answer_slot,
                lambda s: s.node in questions,
            ),
            "triage": _State(
                lambda s: [(str(j), o.label) for j, o in enumerate(triage[s.node or ROOT].options)],
                lambda s: [triage[s.node or ROOT].text],
                self._answer_triage,
                lambda s: s.node in triage,
            ),
            "disambiguate": _State(
                self._candidate_options,
                lambda s: [t("did_you_mean")],
                self._answer_candidate,
                lambda s: all(c in catalog.intents for c in s.candidates),
            ),
            "confirm": _State(
                lambda s: [("yes", t("opt_confirm_yes")), *self._candidate_options(s)],
                lambda s: [t("confirm_question")],
                self._answer_confirm,
                lambda s: all(c in catalog.intents for c in s.candidates),
            ),
            "step": _State(
                self._step_options,
                lambda s: [self.render_step(catalog.intents[s.intent or ""], s), self._step_question(s)],
                self._step_result,
                lambda s: s.intent in catalog.intents and s.step < len(self._steps(s)),
            ),
            "feedback": _State(
                lambda s: [("helpful", t("opt_helpful")), ("not_helpful", t("opt_not_helpful"))],
                lambda s: [t("feedback_question")],
                self._answer_feedback,
            ),
            "offer_human": _State(
                lambda s: [("human", t("opt_human")), ("done", t("opt_done"))],
                lambda s: [t("offer_human")],
                self._answer_offer_human,
            ),
        }

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
        if session.intent is not None and session.intent not in self.catalog.intents:
            return False
        spec = self.states.get(session.state)
        return spec is None or spec.fits(session)

    def present(self, session: Session) -> tuple[Session, Reply]:
        """The pending question again (for an adapter that lost the keyboard); the menu when idle."""
        out = _Out()
        session = self._repeat(session, out)
        return session, out.build()

    # ------------------------------------------------------------ events

    def _command(self, session: Session, event: Command, out: _Out) -> Session:
        name = event.name.lower().lstrip("/")
        text = self.catalog.text
        fresh = Session(started=session.started, seq=session.seq)
        if name in ("start", "reset") and session.intent and session.state not in ("idle", "handoff"):
            out.outcomes.append(Outcome("abandoned", session.intent))
        if name == "start":
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
            out.say(text("reset"))
            return self._triage(fresh, ROOT, out, prompt=text("menu_prompt"))
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
        spec = self.states.get(session.state)
        if spec is None or seq != str(session.seq) or value not in options:
            out.say(self.catalog.text("stale_option"))
            return self._repeat(session, out)
        out.chosen = options[value]
        return spec.answer(session, value, out)

    def _text(self, session: Session, raw: str, out: _Out) -> Session:
        text = raw.strip()
        if not text or (not normalise(text) and not looks_foreign(text)):
            out.say(self.catalog.text("empty"))
            return self._repeat(session, out, quiet_when_idle=True)
        known, done = facts_.merge(session.facts, session.done, text)
        session = session.evolve(facts=known, done=done)
        spec = self.states.get(session.state)
        if spec is not None:
            at_check = session.state == "step" and self._is_check(session)
            value = self.reader.read(session, text, spec.options(session), at_check)
            if value is not None:
                stated = {k: v for k, v in extract_slots(text).items() if k not in session.slots}
                return spec.answer(session.evolve(misses=0, slots={**session.slots, **stated}), value, out)
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
        if dont_know(text):
            out.say(t("clarify_free_text"))
            return session.evolve(state="idle", node=None)
        match = self._weigh(match or self.matcher.match(text), text, session)
        out.match = match
        intent = self.catalog.intents.get(match.intent or "")
        if intent is None:
            out.outcomes.append(Outcome("out_of_scope"))
            out.say(t("out_of_scope"))
            return self._triage(session, ROOT, out, prompt=t("out_of_scope_menu"))
        session = _remember(session, text)
        if intent.kind == "cause" and match.ambiguous:
            return self._disambiguate(session, (intent.id, *match.ambiguous), out)
        if intent.kind == "general":
            slots = {**session.slots, **extract_slots(text)}
            return self._triage(session.evolve(slots=slots, intent=None), intent.start, out)
        if intent.kind == "cause":
            node = self._separating_menu(intent, text, session)
            if node is not None:
                slots = {**session.slots, **extract_slots(text)}
                return self._triage(session.evolve(slots=slots, intent=None), node, out)
            return self._start_intent(session, intent, text, out)
        return self._small_talk(session, intent, out)

    def _weigh(self, match: Match, text: str, session: Session) -> Match:
        """The matcher's reading, corrected by the facts of the whole conversation."""
        if not session.facts:
            return match
        return facts_.weigh(match, self.matcher.rank(text, 8), session.facts)

    def _separating_menu(self, intent: Intent, text: str, session: Session) -> str | None:
        """For a half-specific message, the one menu that separates the close readings, or None."""
        if facts_.verdicts(session.facts).get(intent.id, 0) > 0:
            return None
        ranked = [c for c in self.matcher.rank(text, 3) if c.intent.kind == "cause"]
        if len(ranked) < 2 or ranked[0].intent.id != intent.id or ranked[1].score < ranked[0].score * HALF_SPECIFIC:
            return None
        for node in self.catalog.triage.values():
            gotos = {o.goto for o in node.options}
            if node.id != ROOT and intent.id in gotos and ranked[1].intent.id in gotos:
                return node.id
        return None

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

    # ------------------------------------------------------------ free text while a question is pending

    def _interrupt(self, session: Session, text: str, out: _Out) -> Session:
        t = self.catalog.text
        if session.state == "triage" and session.intent is None:
            # at a menu with no problem under way, a message we understand is simply the problem
            match = self.matcher.match(text)
            if (match.intent is not None and not dont_know(text)) or looks_foreign(text):
                return self._understand(session.evolve(state="idle", node=None), text, out, match)
        if looks_foreign(text):
            out.say(t("other_language"))
            return self._repeat(session, out)
        if dont_know(text) and session.state in ("triage", "disambiguate", "confirm"):
            out.say(t("clarify_free_text"))  # "no idea" at a menu: their own words, not the same menu again
            return session.evolve(state="idle", node=None, candidates=())
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
        rerouted = self._reroute(session, text, out)
        if rerouted is not None:
            return rerouted
        narrowed = self.reader.narrow(session, text, self._options(session))
        if narrowed:  # "windows" at "which computer and app?": ask again with just the Windows options
            question = self._narrowed_question(narrowed)
            return self._ask(session.evolve(candidates=narrowed), "slot", session.node, question, out)
        if intent and intent.kind == "confused":  # "what do you mean?": explain, then the same question
            out.say(intent.reply)
            return self._repeat(session, out)
        if intent and intent.kind in ("thanks", "bye"):
            out.say(intent.reply)
            if session.state in ("feedback", "offer_human"):
                return session.evolve(state="idle", node=None)
            return self._repeat(session, out)
        return self._missed(session, out)

    def _missed(self, session: Session, out: _Out) -> Session:
        """An answer not understood: ask again; the second time offer their own words or the menu, never
        dropping a diagnosis already made."""
        t = self.catalog.text
        if session.misses < 1:
            out.say(t("reask"))
            return self._repeat(session.evolve(misses=session.misses + 1), out)
        if session.state == "triage" and session.node == ROOT:
            # the menu did not help twice: ask for their own words instead of showing it a third time
            out.say(t("clarify_free_text"))
            return session.evolve(state="idle", node=None, misses=0)
        if session.intent is not None and session.state in ("slot", "step"):
            out.say(t("reask_keep"))
            return self._repeat(session.evolve(misses=0), out)
        out.say(t("reask_menu"))
        return self._triage(session.evolve(misses=0, intent=None), ROOT, out, prompt=t("menu_prompt"))

    def _reroute(self, session: Session, text: str, out: _Out) -> Session | None:
        """ "It's iCloud, I don't use a computer": the other route for the same problem, not another topic."""
        route = stated_route(text)
        current = self.catalog.intents.get(session.intent or "")
        if route is None or current is None or current.route in (route, "both"):
            return None
        words = " ".join((*session.words, text))
        ranked = [
            c.intent
            for c in self.matcher.rank(words, 12)
            if c.intent.kind == "cause" and c.intent.route in (route, "both") and c.intent.id != current.id
        ]
        slots = {**session.slots, "route": route}
        if ranked and ranked[0].category == current.category:
            out.say(self.catalog.text("topic_switch", title=ranked[0].title))
            return self._start_intent(session.evolve(slots=slots), ranked[0], "", out, announce=False)
        node = "icloud_menu" if route == "icloud" else "computer_menu"
        if node not in self.catalog.triage:
            return None
        return self._triage(session.evolve(slots=slots, intent=None), node, out)

    def _narrowed_question(self, narrowed: Sequence[str]) -> str:
        t = self.catalog.text
        return t("mac_app_question") if tuple(narrowed) == MAC_APPS else t("narrowed")

    # ------------------------------------------------------------ answers (the states' handlers)

    def _answer_slot(self, session: Session, value: str, out: _Out) -> Session:
        if session.node == "computer" and value == "mac_finder" and session.facts.get("macos_old"):
            value = "mac_itunes"  # High Sierra or Mojave was mentioned: that Mac has iTunes, not Finder
        slots = {**session.slots, session.node or "": value}
        intent = self.catalog.intents[session.intent or ""]
        return self._continue_intent(session.evolve(slots=slots, candidates=()), intent, out)

    def _answer_triage(self, session: Session, value: str, out: _Out) -> Session:
        option = self.catalog.triage[session.node or ROOT].options[int(value)]
        session = session.evolve(slots={**session.slots, **option.set})
        target = self.catalog.intents.get(option.goto)
        if target is not None:
            return self._start_intent(session, target, "", out)
        return self._triage(session, option.goto, out)

    def _answer_candidate(self, session: Session, value: str, out: _Out) -> Session:
        if value == "else":
            out.say(self.catalog.text("clarify_free_text"))
            return session.evolve(state="idle", node=None, candidates=())
        return self._start_intent(session, self.catalog.intents[value], "", out)

    def _answer_confirm(self, session: Session, value: str, out: _Out) -> Session:
        if value == "yes":
            return self._escalate(session.evolve(candidates=()), out)
        return self._answer_candidate(session, value, out)

    def _answer_feedback(self, session: Session, value: str, out: _Out) -> Session:
        out.outcomes.append(Outcome("feedback", session.intent, None, value))
        out.say(self.catalog.text("feedback_thanks"))
        return session.evolve(state="idle", node=None)

    def _answer_offer_human(self, session: Session, value: str, out: _Out) -> Session:
        if value == "human":
            return self._human(session, out)
        out.say(self.catalog.text("goodbye"))
        return session.evolve(state="idle", node=None)

    def _step_result(self, session: Session, value: str, out: _Out) -> Session:
        t = self.catalog.text
        intent = self.catalog.intents[session.intent or ""]
        out.outcomes.append(Outcome("step", intent.id, session.step, value))
        tried = (*session.tried, (session.step, value))
        if value == "fixed":
            out.outcomes.append(Outcome("resolved", intent.id, session.step))
            out.say(t("fixed"))
            return self._ask(session.evolve(tried=tried), "feedback", None, t("feedback_question"), out)
        return self._present_step(session.evolve(step=session.step + 1, tried=tried), intent, out)

    def _steps_exhausted(self, session: Session, out: _Out) -> Session:
        """Before escalating, check the diagnosis: offer the next likely causes, with the facts kept."""
        others = self._next_causes(session)
        if others and not session.facts.get(CHECKED):
            out.say(self.catalog.text("steps_exhausted"))
            session = session.evolve(candidates=tuple(others), facts={**session.facts, CHECKED: 1.0})
            return self._ask(session, "confirm", None, self.catalog.text("confirm_question"), out)
        return self._escalate(session, out)

    def _next_causes(self, session: Session) -> list[str]:
        route = session.slots.get("route")
        verdict = facts_.verdicts(session.facts)
        ranked = self.matcher.rank(" ".join(session.words), 12) if session.words else []
        proven = [i for i, v in verdict.items() if v > 0 and i in self.catalog.intents]
        found = [
            i
            for i in (*proven, *(c.intent.id for c in ranked))
            if self.catalog.intents[i].kind == "cause"
            and i != session.intent
            and verdict.get(i, 0) >= 0
            and (route is None or self.catalog.intents[i].route in (route, "both"))
        ]
        return list(dict.fromkeys(found))[:NEXT_CAUSES]

    def _escalate(self, session: Session, out: _Out) -> Session:
        t = self.catalog.text
        intent = self.catalog.intents[session.intent or ""]
        out.outcomes.append(Outcome("escalated", intent.id, session.step))
        if session.state != "confirm":
            out.say(t("steps_exhausted"))
        out.say(steps_.escalation(self.catalog, intent, session.facts))
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
                narrowed = family(" ".join(session.words)) if slot == "computer" else ()
                if narrowed == MAC_APPS and session.facts.get("macos_old"):
                    session = session.evolve(slots={**session.slots, "computer": "mac_itunes"})
                    continue
                if narrowed:  # "my macbook" said earlier: Finder or iTunes, not the whole list
                    prompt = self._narrowed_question(narrowed) if narrowed == MAC_APPS else question.text
                    return self._ask(session.evolve(candidates=narrowed), "slot", slot, prompt, out)
                return self._ask(session, "slot", slot, question.text, out)
        out.say(intent.intro)
        return self._present_step(session, intent, out)

    def _steps(self, session: Session) -> list[Step]:
        intent = self.catalog.intents.get(session.intent or "")
        return steps_.applicable(intent, session.slots) if intent else []

    def render_step(self, intent: Intent, session: Session) -> str:
        return steps_.render(self.catalog, intent, session)

    def _present_step(self, session: Session, intent: Intent, out: _Out) -> Session:
        """The next step, skipping those the person already did (and saying so)."""
        steps = self._steps(session)
        while session.step < len(steps) and steps_.already_done(steps[session.step], session.done):
            what = ", ".join(self.catalog.tries[k] for k in steps[session.step].tries if k in self.catalog.tries)
            out.say(self.catalog.text("skip_tried", what=what))
            session = session.evolve(step=session.step + 1, tried=(*session.tried, (session.step, "already_tried")))
        if session.step >= len(steps):
            return self._steps_exhausted(session, out)
        out.say(self.render_step(intent, session))
        return self._ask(session, "step", None, self._step_question(session), out)

    def _is_check(self, session: Session) -> bool:
        """The pending step only looks something up (content: check = true)."""
        steps = self._steps(session)
        return session.step < len(steps) and steps[session.step].check

    def _step_question(self, session: Session) -> str:
        return self.catalog.text("check_question" if self._is_check(session) else "step_question")

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

    def _options(self, session: Session) -> Options:
        """(value, label) of the pending question's options."""
        spec = self.states.get(session.state)
        return spec.options(session) if spec is not None and spec.fits(session) else []

    def _slot_options(self, session: Session) -> Options:
        options = self.catalog.questions[session.node or ""].options
        keep = set(session.candidates) | {"not_sure"} if session.candidates else None
        return [(o.value, o.label) for o in options if keep is None or o.value in keep]

    def _candidate_options(self, session: Session) -> Options:
        intents = self.catalog.intents
        titles = [(c, intents[c].title) for c in session.candidates if c in intents]
        return [*titles, ("else", self.catalog.text("something_else"))]

    def _step_options(self, session: Session) -> Options:
        t = self.catalog.text
        if self._is_check(session):
            return [("next", t("opt_next")), ("fixed", t("opt_solved"))]
        return [("fixed", t("opt_fixed")), ("not_fixed", t("opt_not_fixed")), ("skip", t("opt_skip"))]

    def _repeat(self, session: Session, out: _Out, *, quiet_when_idle: bool = False) -> Session:
        """Show the pending question again with its buttons (same seq: its old buttons stay valid).

        With nothing pending, open the menu (or say nothing more when `quiet_when_idle`)."""
        options = self._options(session)
        spec = self.states.get(session.state)
        if not options or spec is None:
            if quiet_when_idle:
                return session
            return self._triage(session.evolve(state="idle"), ROOT, out, prompt=self.catalog.text("menu_prompt"))
        out.say(*spec.prompt(session))
        out.buttons = [Button(f"{session.seq}:{value}", label) for value, label in options]
        return session
