"""Whole conversations with a simulated person, driven through `python -m bot chat --jsonl --memory`.

Not a test: prints figures. Each scenario (format: tests/conversations/README.md) is one person with a known
problem (`truth`), a setup (`profile`), what they already said and tried, and what they type when asked for
their own words. The person answers truthfully:

- slot questions from the profile (typing `computer_text` / `ios_text` when given, otherwise the button);
- menus by the option that leads to their truth through the triage graph, else in their own words;
- "did you mean" / "did I get your problem right?" by their truth's title, else "something else";
- fix steps "no, still failing" unless the step belongs to the truth's intent (the jsonl `diagnosis`), and is
  neither a look-up step ("done") nor something they already tried;
- asked for their own words: the next followup.

Figures: reached-fix (the truth's step fixed it, or an out-of-scope truth was told so), median turns to the
fix, fixes after 3+ useless steps, redundant questions (a slot in `said` asked again, a step whose `tries` the
person already did) and wrong menu paths (a step's path for another computer or iOS version than theirs).

    python scripts/converse.py                                   # tests/conversations/dev.jsonl
    python scripts/converse.py --set tests/conversations/dev_extra.jsonl --verbose   # transcripts of misses
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.engine.content import load_catalog  # noqa: E402
from bot.engine.model import Catalog, Intent, Step  # noqa: E402
from bot.engine.text import normalise  # noqa: E402

MAX_TURNS = 30
DEFAULT_SET = ROOT / "tests" / "conversations" / "dev.jsonl"
SLOT_WORDS = {None: "I don't know"}


@dataclass
class Result:
    scenario: dict[str, Any]
    reached: bool = False
    turns: int = 0
    useless: int = 0
    redundant: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    end: str = ""
    transcript: list[str] = field(default_factory=list)


class Bot:
    """One `chat --jsonl --memory` process; `reset()` starts a fresh conversation between scenarios."""

    def __init__(self, intents: Path | None) -> None:
        env = dict(os.environ)
        if intents:
            env["BOT_INTENTS"] = str(intents)
        env.pop("TELEGRAM_BOT_TOKEN", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "chat", "--jsonl", "--memory", "--user", "converse"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.first = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the bot exited")
        data: dict[str, Any] = json.loads(line)
        return data

    def send(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def reset(self) -> dict[str, Any]:
        return self.send({"command": "reset"})

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def literal_parts(template: str) -> list[str]:
    """The fixed text of a step template between its {placeholders} (long enough to recognise it by)."""
    parts, depth, current = [], 0, ""
    for ch in template:
        if ch == "{":
            depth += 1
            parts.append(current)
            current = ""
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if len(p.strip()) >= 12]


class Person:
    """A simulated person answering one scenario truthfully."""

    def __init__(self, scenario: dict[str, Any], catalog: Catalog) -> None:
        self.s = scenario
        self.catalog = catalog
        self.truth: str = scenario["truth"]
        self.profile: dict[str, Any] = scenario.get("profile", {})
        self.said = set(scenario.get("said", []))
        self.tried = set(scenario.get("tried", []))
        self.followups = list(scenario.get("followups", []))
        self.asked: Counter[str] = Counter()
        self.result = Result(scenario)
        self.reach = self._reachable()
        # "that's not something I can help with", an out-of-scope intent's reply, or "English only for now"
        self.scope_texts = {normalise(catalog.text("out_of_scope")), normalise(catalog.text("other_language"))} | {
            normalise(i.reply) for i in catalog.intents.values() if i.kind == "out_of_scope" and i.reply
        }
        self.truth_intent: Intent | None = catalog.intents.get(self.truth)

    # ------------------------------------------------------------ the triage graph

    def _reachable(self) -> dict[str, set[str]]:
        """Node id -> every intent reachable from it."""
        memo: dict[str, set[str]] = {}

        def walk(node: str, seen: frozenset[str]) -> set[str]:
            if node in self.catalog.intents:
                return {node}
            if node in memo:
                return memo[node]
            found: set[str] = set()
            for option in self.catalog.triage[node].options:
                if option.goto not in seen:
                    found |= walk(option.goto, seen | {node})
            memo[node] = found
            return found

        for node in self.catalog.triage:
            walk(node, frozenset())
        return memo

    def _triage_node(self, reply: dict[str, Any]) -> str | None:
        """The menu shown: the node whose options these are (ruled-out causes may be left out of it)."""
        labels = reply["buttons"]
        for node in self.catalog.triage.values():
            if [o.label for o in node.options] == labels:
                return node.id
        for node in self.catalog.triage.values():
            if labels and [o.label for o in node.options if o.label in labels] == labels:
                return node.id
        return None

    # ------------------------------------------------------------ answering

    def next_followup(self) -> dict[str, Any] | None:
        if self.followups:
            return {"text": self.followups.pop(0)}
        return None

    def button(self, reply: dict[str, Any], label: str) -> dict[str, Any] | None:
        if label in reply["buttons"]:
            return {"button": reply["buttons"].index(label) + 1}
        return None

    def answer(self, reply: dict[str, Any]) -> dict[str, Any] | None:
        """The person's next message, or None when the conversation is over for them."""
        question = reply.get("question")
        text = "\n".join(reply.get("messages", []))
        if self.truth == "out_of_scope" and any(normalise(m) in self.scope_texts for m in reply["messages"]):
            self.result.reached, self.result.end = True, "told out of scope"
            return None
        if question and question.startswith("slot:"):
            return self.answer_slot(question[5:], reply)
        if question == "triage":
            return self.answer_menu(reply)
        if question in ("disambiguate", "confirm"):
            return self.answer_candidates(reply)
        if question == "step":
            return self.answer_step(reply, text)
        if question in ("feedback", "offer_human"):
            self.result.end = "fixed" if self.result.reached else f"ended at {question}"
            return None
        if self.result.reached:
            return None
        follow = self.next_followup()
        if follow is None:
            self.result.end = "nothing more to say"
        return follow

    def answer_slot(self, slot: str, reply: dict[str, Any]) -> dict[str, Any] | None:
        self.asked[slot] += 1
        full = len(reply["buttons"]) == len(self.catalog.questions[slot].options)
        # the whole question again is redundant; a narrowed one ("Finder or iTunes?" after "my macbook") is not
        if slot in self.said and self.asked[slot] == 1 and full:
            self.result.redundant.append(f"asked {slot} again")
        value = self.profile.get(slot)
        typed = self.profile.get(f"{slot}_text")
        if typed and self.asked[slot] == 1:
            return {"text": typed}
        question = self.catalog.questions[slot]
        if value is None:
            value = "not_sure"
        for option in question.options:
            if option.value == value:
                pressed = self.button(reply, option.label)
                if pressed:
                    return pressed
        return self.button(reply, question.options[-1].label) or {"text": SLOT_WORDS[None]}

    def answer_menu(self, reply: dict[str, Any]) -> dict[str, Any] | None:
        node_id = self._triage_node(reply)
        if node_id is not None and self.truth in self.catalog.intents:
            node = self.catalog.triage[node_id]
            for option in node.options:
                if option.label not in reply["buttons"]:
                    continue
                if any(self.profile.get(slot) not in (None, value) for slot, value in option.set.items()):
                    continue
                if option.goto == self.truth or self.truth in self.reach.get(option.goto, set()):
                    return self.button(reply, option.label)
        follow = self.next_followup()
        if follow is None:
            self.result.end = "no menu option fits"
        return follow

    def answer_candidates(self, reply: dict[str, Any]) -> dict[str, Any] | None:
        if self.truth_intent is not None:
            pressed = self.button(reply, self.truth_intent.title)
            if pressed:
                return pressed
        if (reply.get("diagnosis") or {}).get("intent") == self.truth:  # "is this still your problem?" yes
            for label in (self.catalog.text("opt_midcheck_yes"), self.catalog.text("opt_confirm_yes")):
                pressed = self.button(reply, label)
                if pressed:
                    return pressed
        for label in (self.catalog.text("something_else"),):
            pressed = self.button(reply, label)
            if pressed:
                return pressed
        return self.button(reply, reply["buttons"][-1]) if reply["buttons"] else self.next_followup()

    def _step(self, intent_id: str, text: str) -> Step | None:
        intent = self.catalog.intents.get(intent_id)
        if intent is None:
            return None
        for step in intent.steps:
            parts = literal_parts(step.text)
            if parts and all(p in text for p in parts):
                return step
        return None

    def _check_paths(self, step: Step | None, text: str) -> None:
        """A wrong path: the step was rendered for another computer or iOS version than the person's."""
        if step is None:
            return
        names = [n for n in self.catalog.placeholders if "{" + n + "}" in step.text + (step.warning or "")]
        slots = sorted({self.catalog.placeholders[n].slot for n in names})
        if not slots:
            return
        fits = []
        for combo in itertools.product(*(self.catalog.questions[s].values() for s in slots)):
            chosen = dict(zip(slots, combo, strict=True))
            values = {n: self.catalog.placeholders[n].values[chosen[self.catalog.placeholders[n].slot]] for n in names}
            if step.text.format(**values) in text:
                fits.append(chosen)
        if fits and not any(
            all(self.profile.get(s) in (None, v) or v == "not_sure" for s, v in chosen.items()) for chosen in fits
        ):
            self.result.wrong.append(f"step rendered for {fits[0]} (person: {[self.profile.get(s) for s in slots]})")

    def answer_step(self, reply: dict[str, Any], text: str) -> dict[str, Any] | None:
        diagnosis = reply.get("diagnosis") or {}
        intent_id = diagnosis.get("intent") or ""
        step = self._step(intent_id, text)
        self._check_paths(step, text)
        done_label = self.catalog.text("opt_next")
        is_check = done_label in reply["buttons"]
        redundant = bool(step and set(step.tries) & self.tried)
        if redundant:
            self.result.redundant.append(f"step of {intent_id} tries {sorted(set(step.tries) & self.tried)}")  # type: ignore[union-attr]
        if is_check:
            if intent_id != self.truth:
                self.result.useless += 1
            return self.button(reply, done_label) or {"text": "done"}
        if intent_id == self.truth and not redundant:
            self.result.reached, self.result.end = True, "fixed"
            return self.button(reply, self.catalog.text("opt_fixed")) or {"text": "yes it worked"}
        self.result.useless += 1
        return self.button(reply, self.catalog.text("opt_not_fixed")) or {"text": "no, still failing"}


def run(bot: Bot, scenario: dict[str, Any], catalog: Catalog) -> Result:
    person = Person(scenario, catalog)
    log = person.result.transcript
    reply = bot.reset()
    message: dict[str, Any] | None = {"text": scenario["opening"]}
    while message is not None and person.result.turns < MAX_TURNS:
        person.result.turns += 1
        if "button" in message:
            log.append(f"  you> [{reply['buttons'][message['button'] - 1]}]")
        else:
            log.append(f"  you> {message['text']}")
        reply = bot.send(message)
        if "error" in reply:
            person.result.end = f"protocol error {reply['error']}"
            break
        for m in reply["messages"]:
            log.append("  bot: " + m.replace("\n", "\n       "))
        if reply["buttons"]:
            log.append(f"       {reply['buttons']}  ({reply.get('question')}, {reply.get('diagnosis')})")
        message = person.answer(reply)
    if not person.result.end:
        person.result.end = "too many turns"
    return person.result


def summarise(name: str, results: list[Result]) -> str:
    n = len(results)
    fixed = [r for r in results if r.reached]
    turns = statistics.median([r.turns for r in fixed]) if fixed else 0
    late = sum(1 for r in fixed if r.useless >= 3)
    redundant = sum(len(r.redundant) for r in results)
    wrong = sum(len(r.wrong) for r in results)
    return (
        f"converse {name}: {n} scenarios, reached-fix {100 * len(fixed) / max(n, 1):.1f}% ({len(fixed)}/{n}), "
        f"median turns to fix {turns:g}, fixes after 3+ useless steps {100 * late / max(len(fixed), 1):.1f}% "
        f"({late}/{len(fixed)}), redundant questions {redundant}, wrong menu paths {wrong}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="path", type=Path, default=DEFAULT_SET, help="scenario file (JSONL)")
    parser.add_argument("--verbose", action="store_true", help="transcripts of the misses and faults")
    parser.add_argument("--intents", type=Path, default=None, help="content folder (default: BOT_INTENTS)")
    parser.add_argument("--only", default="", help="run only the scenario with this id (always verbose)")
    args = parser.parse_args()
    catalog = load_catalog(args.intents or os.environ.get("BOT_INTENTS") or ROOT / "intents")
    scenarios = [json.loads(line) for line in args.path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.only:
        scenarios = [s for s in scenarios if s["id"] == args.only]
    bot = Bot(args.intents)
    results = [run(bot, s, catalog) for s in scenarios]
    bot.close()
    details = args.verbose or bool(args.only)
    for r in results:
        faults = r.redundant + r.wrong
        bad = not r.reached or r.useless >= 3 or faults
        if bad:
            print(
                f"{r.scenario['id']} truth={r.scenario['truth']}: {r.end}, {r.turns} turns, {r.useless} useless"
                + (f", faults: {'; '.join(faults)}" if faults else "")
            )
        if details and (bad or args.only):
            print("\n".join(r.transcript))
            print()
    print(summarise(args.path.name, results))


if __name__ == "__main__":
    main()
