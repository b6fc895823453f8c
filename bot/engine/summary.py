"""What a support person needs to take over a case: the problem, the answers given, each step tried and its
result, and the person's own words. Pure: built from the catalog and a session; the adapter adds who it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.content import step_applies
from bot.engine.model import Catalog, Session

RESULT_LABELS = {"fixed": "fixed it", "not_fixed": "didn't help", "skip": "skipped", "next": "done (a check)"}
STEP_PREVIEW = 90  # characters of each step shown in the summary


@dataclass(frozen=True, slots=True)
class CaseSummary:
    title: str  # the intent's title, or "Not diagnosed yet"
    category: str
    answers: tuple[tuple[str, str], ...]  # (question, the answer's label)
    steps: tuple[tuple[int, str, str], ...]  # (step number, start of the step's text, result)
    words: tuple[str, ...]  # the person's own descriptions, newest last

    def lines(self) -> list[str]:
        out = [f"Problem: {self.title} ({self.category})"]
        out.extend(f"{question} {answer}" for question, answer in self.answers)
        if self.steps:
            out.append("Steps tried:")
            out.extend(f"  {n}. {text} -> {result}" for n, text, result in self.steps)
        else:
            out.append("Steps tried: none yet")
        if self.words:
            out.append("In their words:")
            out.extend(f'  "{w}"' for w in self.words)
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= STEP_PREVIEW else flat[: STEP_PREVIEW - 1].rstrip() + "…"


def summarise(catalog: Catalog, session: Session) -> CaseSummary:
    intent = catalog.intents.get(session.intent or "")
    answers = []
    for slot, value in session.slots.items():
        question = catalog.questions.get(slot)
        label = next((o.label for o in question.options if o.value == value), value) if question else value
        answers.append((question.text if question else f"{slot}:", label))
    steps: list[tuple[int, str, str]] = []
    if intent is not None:
        applicable = [s for s in intent.steps if step_applies(s, session.slots)]
        for index, result in session.tried:
            if 0 <= index < len(applicable):
                steps.append((index + 1, _preview(applicable[index].text), RESULT_LABELS.get(result, result)))
    return CaseSummary(
        title=intent.title if intent else "Not diagnosed yet",
        category=intent.category if intent else "unknown",
        answers=tuple(answers),
        steps=tuple(steps),
        words=session.words,
    )
