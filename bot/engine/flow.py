"""Asking questions and walking an intent's steps: the half of the state machine that talks.

`Flow` puts questions (slot, menu, did-you-mean, steps, feedback), starts and continues intents, skips the
steps a person already did, checks the diagnosis before escalating, and shows the pending question again.
`Engine` (machine.py) builds on it and decides what each event means. Imports only the standard library,
rapidfuzz and the engine's own modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.engine import facts as facts_
from bot.engine import steps as steps_
from bot.engine.answers import MAC_APPS, family
from bot.engine.content import ROOT
from bot.engine.matcher import Matcher
from bot.engine.model import Button, Catalog, Intent, Match, Outcome, Reply, Session, State, Step
from bot.engine.slots import extract_slots
from bot.engine.text import features, vaguely_about

MAX_WORDS = 3  # how many of the person's own messages a human's summary keeps
NEXT_CAUSES = 3  # "did I get your problem right?" offers this many other causes
CHECKED = "diagnosis_checked"  # a fact: the diagnosis was checked once; steps running out again escalate
MIDCHECK_AFTER = 2  # steps of one diagnosis done, a fix among them failed, before asking whether it is the right one
MIDCHECKED = "midchecked:"  # a fact per intent ("midchecked:icloud_full"): asked once mid-way, not again
Options = list[tuple[str, str]]


@dataclass(slots=True)
class Out:
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
class StateSpec:
    """A state with a pending question: its options, its question asked again, what an answer does, and
    whether a saved session in it still fits the content."""

    options: Callable[[Session], Options]
    prompt: Callable[[Session], list[str]]
    answer: Callable[[Session, str, Out], Session]
    fits: Callable[[Session], bool] = lambda _session: True


# Half-specific messages get the menu that separates the close readings: every word but the setup's (iCloud,
# iTunes, Mac, iPhone...) is used by at least HALF_SPREAD of the causes ("itunes won't back up my phone"), or the
# reading is weak and close (below HALF_SCORE, less than HALF_LEAD ahead). Calibrated on tests/conversations/dev*.
HALF_SPREAD = 0.5
HALF_SCORE = 0.7
HALF_LEAD = 0.5


def remember(session: Session, text: str) -> Session:
    """Keep the person's own description for a human's summary (the last few, shortened)."""
    return session.evolve(words=(*session.words, text[:500])[-MAX_WORDS:])


def describes_problem(text: str) -> bool:
    """Long enough to be a new problem, not a short answer like "windows with itunes"."""
    return len([f for f in features(text) if " " not in f and not f.startswith("~")]) >= 3


def vocabulary(catalog: Catalog) -> tuple[int, dict[str, int], frozenset[str]]:
    """How many causes there are, how many causes' phrases use each word, and the words that only describe
    the setup (the route and computer questions' words, iPhone, backup)."""
    causes = [i for i in catalog.intents.values() if i.kind == "cause"]
    spread: dict[str, int] = {}
    for intent in causes:
        for word in {f for p in intent.phrases for f in features(p) if " " not in f}:
            spread[word] = spread.get(word, 0) + 1
    setup = {"iphon", "phon", "backup", "icloud"}
    for slot in ("route", "computer"):
        for option in catalog.questions[slot].options if slot in catalog.questions else ():
            setup.update(f for term in (option.label, *option.synonyms) for f in features(term) if " " not in f)
    return len(causes), spread, frozenset(setup)


class Flow:
    """Questions and steps; the Engine subclass fills `states` (machine.py)."""

    catalog: Catalog
    matcher: Matcher
    handoff_available: bool
    states: dict[State, StateSpec]
    _causes: int
    _spread: dict[str, int]
    _setup_words: frozenset[str]

    def _triage_options(self, session: Session) -> Options:
        """The menu's options, without the causes the conversation's facts rule out."""
        ruled_out = {i for i, v in facts_.verdicts(session.facts).items() if v < 0}
        options = self.catalog.triage[session.node or ROOT].options
        return [(str(j), o.label) for j, o in enumerate(options) if o.goto not in ruled_out]

    def _separating_menu(self, intent: Intent, text: str, session: Session) -> str | None:
        """For a half-specific message ("itunes won't back up my phone"), the one menu that separates the close
        readings, or None when the reading is clear enough to start its steps."""
        if facts_.verdicts(session.facts).get(intent.id, 0) > 0:
            return None
        ranked = [c for c in self.matcher.rank(text, 4) if c.intent.kind == "cause"]
        if len(ranked) < 2 or ranked[0].intent.id != intent.id:
            return None
        words = [f for f in features(text) if " " not in f and not f.startswith("~") and f not in self._setup_words]
        vague = vaguely_about(text) or (
            bool(words) and min(self._spread.get(f, 0) for f in words) >= HALF_SPREAD * self._causes
        )
        if not vague and (ranked[0].score >= HALF_SCORE or ranked[0].score - ranked[1].score >= HALF_LEAD):
            return None
        route = extract_slots(text).get("route") or session.slots.get("route")
        branch = self._branch(route)
        nodes = [n for n in branch if intent.id in {o.goto for o in self.catalog.triage[n].options}]
        both = [n for n in nodes if ranked[1].intent.id in {o.goto for o in self.catalog.triage[n].options}]
        return both[0] if both else nodes[0] if nodes else None

    def _branch(self, route: str | None) -> list[str]:
        """The menus below the root, only those under the route's option when it is known."""
        todo = [o.goto for o in self.catalog.triage[ROOT].options if route is None or o.set.get("route") == route]
        seen: list[str] = []
        while todo:
            node = todo.pop(0)
            if node in self.catalog.triage and node not in seen:
                seen.append(node)
                todo.extend(o.goto for o in self.catalog.triage[node].options)
        return seen

    def _narrowed_question(self, narrowed: Sequence[str]) -> str:
        t = self.catalog.text
        return t("mac_app_question") if tuple(narrowed) == MAC_APPS else t("narrowed")

    def _step_result(self, session: Session, value: str, out: Out) -> Session:
        t = self.catalog.text
        intent = self.catalog.intents[session.intent or ""]
        out.outcomes.append(Outcome("step", intent.id, session.step, value))
        tried = (*session.tried, (session.step, value))
        if value == "fixed":
            out.outcomes.append(Outcome("resolved", intent.id, session.step))
            out.say(t("fixed"))
            return self._ask(session.evolve(tried=tried), "feedback", None, t("feedback_question"), out)
        session = session.evolve(step=session.step + 1, tried=tried)
        others = self._doubt_diagnosis(session, intent)
        if others:
            return self._midcheck(session, others, out)
        return self._present_step(session, intent, out)

    def _doubt_diagnosis(self, session: Session, intent: Intent) -> list[str]:
        """Two steps done (three when the facts prove this cause), a fix among them that failed: is it the right
        one? The other causes to offer when the question is worth asking (the caller asks it with `_midcheck`),
        else none."""
        done = [value for _, value in session.tried if value != "already_tried"]  # steps the person went through
        proven = facts_.verdicts(session.facts).get(intent.id, 0) > 0  # facts can be misread: one step more
        worth_asking = (
            "not_fixed" in done
            and len(done) >= MIDCHECK_AFTER + proven
            and session.step < len(self._steps(session))
            and not session.facts.get(MIDCHECKED + intent.id)
        )
        return self._next_causes(session) if worth_asking else []

    def _midcheck(self, session: Session, others: list[str], out: Out) -> Session:
        """Mid-way "did I get your problem right?": "yes" goes on with the next step, a cause switches to it."""
        facts = {**session.facts, MIDCHECKED + (session.intent or ""): 1.0}
        session = session.evolve(candidates=tuple(others), facts=facts)
        return self._ask(session, "confirm", None, self.catalog.text("midcheck_question"), out)

    def steps_remain(self, session: Session) -> bool:
        """The diagnosis still has steps to give (a "did I get it right?" asked mid-way, not at the end)."""
        return session.intent is not None and session.step < len(self._steps(session))

    def _steps_exhausted(self, session: Session, out: Out) -> Session:
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

    def _escalate(self, session: Session, out: Out) -> Session:
        t = self.catalog.text
        intent = self.catalog.intents[session.intent or ""]
        out.outcomes.append(Outcome("escalated", intent.id, session.step))
        if session.state != "confirm":
            out.say(t("steps_exhausted"))
        out.say(steps_.escalation(self.catalog, intent, session.facts))
        if self.handoff_available:
            return self._ask(session, "offer_human", None, t("offer_human"), out)
        return self._ask(session, "feedback", None, t("feedback_question"), out)

    def _human(self, session: Session, out: Out) -> Session:
        t = self.catalog.text
        if not self.handoff_available:
            out.say(t("human_unavailable"))
            return self._repeat(session, out, quiet_when_idle=True)
        out.handoff = True
        out.outcomes.append(Outcome("handoff", session.intent, session.step if session.intent else None))
        out.say(t("human_requested"))
        return session.evolve(state="handoff", node=None)

    # ------------------------------------------------------------ intents and steps

    def _start_intent(self, session: Session, intent: Intent, text: str, out: Out, *, announce: bool = True) -> Session:
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

    def _continue_intent(self, session: Session, intent: Intent, out: Out) -> Session:
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

    def _present_step(self, session: Session, intent: Intent, out: Out) -> Session:
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

    def pending_step(self, session: Session) -> Step | None:
        """The fix step the conversation waits on, if any: the desk reads its `checkin` and `check`."""
        steps = self._steps(session)
        if session.state != "step" or session.step >= len(steps):
            return None
        return steps[session.step]

    def _step_question(self, session: Session) -> str:
        return self.catalog.text("check_question" if self._is_check(session) else "step_question")

    # ------------------------------------------------------------ questions

    def _triage(self, session: Session, node_id: str, out: Out, *, prompt: str | None = None) -> Session:
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
        self, session: Session, candidates: Sequence[str], out: Out, *, prompt: str | None = None
    ) -> Session:
        unique = tuple(dict.fromkeys(candidates))
        return self._ask(
            session.evolve(candidates=unique), "disambiguate", None, prompt or self.catalog.text("did_you_mean"), out
        )

    def _ask(self, session: Session, state: State, node: str | None, question: str, out: Out) -> Session:
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

    def _repeat(self, session: Session, out: Out, *, quiet_when_idle: bool = False) -> Session:
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
