"""The per-conversation state machine: `Engine.respond(session, event, now) -> (session, reply)`.

Pure and total: no I/O, no clock (the caller passes `now`), never raises for any event. The states with a
pending question are declared in one table (`Engine.states`) next to their handlers, as PTB's
conversationbot declares its `states`: what each offers, how it is asked again and what an answer does.
Questions and steps are put by engine/flow.py (the base class), typed answers read by engine/answers.py,
facts by engine/facts.py, steps by engine/steps.py.
Imports only the standard library, rapidfuzz and the engine's own modules.
"""

from __future__ import annotations

from bot.engine import facts as facts_
from bot.engine.answers import Reader, dont_know, route_left, stated_route
from bot.engine.content import ROOT
from bot.engine.flow import Flow, Out, StateSpec, describes_problem, remember, vocabulary
from bot.engine.matcher import SWITCH, Matcher
from bot.engine.model import (
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
    Text,
)
from bot.engine.slots import extract_slots
from bot.engine.text import looks_foreign, normalise

DAY = 24 * 3600.0
SEQ_BASE = 10  # new conversations number their questions from ten times the clock, so buttons never repeat


class Engine(Flow):
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
        self._causes, self._spread, self._setup_words = vocabulary(catalog)
        self.ttl = ttl_seconds
        self.handoff_available = handoff_available
        t, questions, triage = catalog.text, catalog.questions, catalog.triage
        self.states: dict[State, StateSpec] = {
            "slot": StateSpec(
                self._slot_options,
                lambda s: [questions[s.node or ""].text],
                self._answer_slot,
                lambda s: s.node in questions,
            ),
            "triage": StateSpec(
                self._triage_options,
                lambda s: [triage[s.node or ROOT].text],
                self._answer_triage,
                lambda s: s.node in triage,
            ),
            "disambiguate": StateSpec(
                self._candidate_options,
                lambda s: [t("did_you_mean")],
                self._answer_candidate,
                lambda s: all(c in catalog.intents for c in s.candidates),
            ),
            "confirm": StateSpec(
                lambda s: [
                    ("yes", t("opt_midcheck_yes" if self.steps_remain(s) else "opt_confirm_yes")),
                    *self._candidate_options(s),
                ],
                lambda s: [t("midcheck_question" if self.steps_remain(s) else "confirm_question")],
                self._answer_confirm,
                lambda s: all(c in catalog.intents for c in s.candidates),
            ),
            "step": StateSpec(
                self._step_options,
                lambda s: [self.render_step(catalog.intents[s.intent or ""], s), self._step_question(s)],
                self._step_result,
                lambda s: s.intent in catalog.intents and s.step < len(self._steps(s)),
            ),
            "feedback": StateSpec(
                lambda s: [("helpful", t("opt_helpful")), ("not_helpful", t("opt_not_helpful"))],
                lambda s: [t("feedback_question")],
                self._answer_feedback,
            ),
            "offer_human": StateSpec(
                lambda s: [("human", t("opt_human")), ("done", t("opt_done"))],
                lambda s: [t("offer_human")],
                self._answer_offer_human,
            ),
        }

    # ------------------------------------------------------------ entry point

    def respond(self, session: Session, event: Event, now: float) -> tuple[Session, Reply]:
        out = Out()
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
        out = Out()
        session = self._repeat(session, out)
        return session, out.build()

    # ------------------------------------------------------------ events

    def _command(self, session: Session, event: Command, out: Out) -> Session:
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

    def _handoff_closed(self, session: Session, out: Out) -> Session:
        out.outcomes.append(Outcome("handoff", session.intent, None, "closed"))
        out.say(self.catalog.text("handoff_closed"))
        return self._ask(session, "feedback", None, self.catalog.text("feedback_question"), out)

    def _choice(self, session: Session, data: str, out: Out) -> Session:
        seq, _, value = data.partition(":")
        options = dict(self._options(session))
        spec = self.states.get(session.state)
        if spec is None or seq != str(session.seq) or value not in options:
            out.say(self.catalog.text("stale_option"))
            return self._repeat(session, out)
        out.chosen = options[value]
        return spec.answer(session, value, out)

    def _text(self, session: Session, raw: str, out: Out) -> Session:
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

    def _understand(self, session: Session, text: str, out: Out, match: Match | None = None) -> Session:
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
        session = remember(session, text)
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
        verdict = facts_.verdicts(session.facts)
        weighed = facts_.weigh(match, self.matcher.rank(text, 8), session.facts)
        if weighed.intent != match.intent:  # a runner-up chosen by the facts must fit the route the text names
            weighed = self._on_route(weighed, text, verdict)
        if verdict.get(weighed.intent or "", 0) < 0:  # ruled out, nothing else close
            general = next((i for i in self.catalog.intents.values() if i.kind == "general"), None)
            if general is not None:
                return Match(general.id, "general", weighed.score)
        return weighed

    def _on_route(self, match: Match, text: str, verdict: dict[str, int]) -> Match:
        """A cause of the other route ("none of my computers see it" read as the overnight-charging cause of
        iCloud backups) gives way to the best cause of the route the message names, when one is close."""
        route = extract_slots(text).get("route")
        intent = self.catalog.intents.get(match.intent or "")
        if route is None or intent is None or intent.kind != "cause" or intent.route in (route, "both"):
            return match
        fits = [
            c
            for c in self.matcher.rank(text, 8)
            if c.intent.kind == "cause" and c.intent.route in (route, "both") and verdict.get(c.intent.id, 0) >= 0
        ]
        if fits and fits[0].score >= match.score * facts_.RUNNER_UP:
            return Match(fits[0].intent.id, fits[0].intent.category, fits[0].score)
        return match

    def _small_talk(self, session: Session, intent: Intent, out: Out) -> Session:
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

    def _interrupt(self, session: Session, text: str, out: Out) -> Session:
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
        if route_left(text):  # "it's iCloud, I don't use a computer": the route changes, not the problem
            rerouted = self._reroute(session, text, out)
            if rerouted is not None:
                return rerouted
        match = self.matcher.match(text)
        out.match = match
        intent = self.catalog.intents.get(match.intent or "")
        if (
            intent
            and intent.kind == "cause"
            and intent.id != session.intent
            and not match.ambiguous
            and match.score >= SWITCH
            and describes_problem(text)
        ):
            if session.state == "step":
                out.outcomes.append(Outcome("abandoned", session.intent, session.step, "topic switch"))
            out.say(t("topic_switch", title=intent.title))
            return self._start_intent(remember(session, text), intent, text, out, announce=False)
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

    def _missed(self, session: Session, out: Out) -> Session:
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

    def _reroute(self, session: Session, text: str, out: Out) -> Session | None:
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
        if session.state == "step":
            out.outcomes.append(Outcome("abandoned", session.intent, session.step, "route changed"))
        if ranked and ranked[0].category == current.category:
            out.say(self.catalog.text("route_switch", title=ranked[0].title))
            return self._start_intent(session.evolve(slots=slots), ranked[0], "", out, announce=False)
        node = "icloud_menu" if route == "icloud" else "computer_menu"
        if node not in self.catalog.triage:
            return None
        return self._triage(session.evolve(slots=slots, intent=None), node, out)

    # ------------------------------------------------------------ answers (the states' handlers)

    def _answer_slot(self, session: Session, value: str, out: Out) -> Session:
        if session.node == "computer" and value == "mac_finder" and session.facts.get("macos_old"):
            value = "mac_itunes"  # High Sierra or Mojave was mentioned: that Mac has iTunes, not Finder
        slots = {**session.slots, session.node or "": value}
        intent = self.catalog.intents[session.intent or ""]
        return self._continue_intent(session.evolve(slots=slots, candidates=()), intent, out)

    def _answer_triage(self, session: Session, value: str, out: Out) -> Session:
        option = self.catalog.triage[session.node or ROOT].options[int(value)]
        session = session.evolve(slots={**session.slots, **option.set})
        target = self.catalog.intents.get(option.goto)
        if target is not None:
            return self._start_intent(session, target, "", out)
        return self._triage(session, option.goto, out)

    def _answer_candidate(self, session: Session, value: str, out: Out) -> Session:
        if value == "else":  # none of the offered causes (nor, asked mid-way or at the end, the diagnosis itself)
            rejected = (
                *session.candidates,
                *([session.intent] if session.state == "confirm" and session.intent else []),
            )
            facts = {**session.facts, **{facts_.REJECTED + i: 1.0 for i in rejected}}
            out.say(self.catalog.text("clarify_free_text"))
            return session.evolve(state="idle", node=None, candidates=(), facts=facts)
        return self._start_intent(session, self.catalog.intents[value], "", out)

    def _answer_confirm(self, session: Session, value: str, out: Out) -> Session:
        if value == "yes" and self.steps_remain(session):  # asked mid-way: the diagnosis stands, go on
            return self._present_step(session.evolve(candidates=()), self.catalog.intents[session.intent or ""], out)
        if value == "yes":
            return self._escalate(session.evolve(candidates=()), out)
        return self._answer_candidate(session, value, out)

    def _answer_feedback(self, session: Session, value: str, out: Out) -> Session:
        out.outcomes.append(Outcome("feedback", session.intent, None, value))
        out.say(self.catalog.text("feedback_thanks"))
        return session.evolve(state="idle", node=None)

    def _answer_offer_human(self, session: Session, value: str, out: Out) -> Session:
        if value == "human":
            return self._human(session, out)
        out.say(self.catalog.text("goodbye"))
        return session.evolve(state="idle", node=None)
