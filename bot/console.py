"""The console front-ends' translation: typed lines and JSON lines -> events, replies -> text and JSON.

`python -m bot chat` and `chat --jsonl` (bot/cli.py) read and write through these; their turns are the
desk's (bot/desk/turn.py). No click, no telegram, no storage.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, TextIO

from bot.desk.incidents import Banner
from bot.desk.turn import Turn
from bot.engine.model import Choice, Command, Event, Reply, Session, Text


def console_reply(turn: Turn) -> Reply:
    """The turn's reply as a console shows it: an incident's note first (its button needs a later message,
    which a console cannot get)."""
    banners = tuple(e.text for e in turn.effects if isinstance(e, Banner))
    return replace(turn.reply, messages=(*banners, *turn.reply.messages)) if banners else turn.reply


def render_console(reply: Reply, out: TextIO) -> None:
    for message in reply.messages:
        lines = message.splitlines() or [""]
        out.write(f"bot> {lines[0]}\n")
        for line in lines[1:]:
            out.write(f"     {line}\n")
    for n, button in enumerate(reply.buttons, 1):
        out.write(f"     {n}) {button.label}\n")


def console_event(line: str, last: Reply | None) -> Event:
    """Typed console input -> engine event: /commands, option numbers (as button presses), or text."""
    stripped = line.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        name, _, arg = stripped[1:].partition(" ")
        return Command(name.split("@")[0], arg)
    if last and stripped.isdigit() and 1 <= int(stripped) <= len(last.buttons):
        return Choice(last.buttons[int(stripped) - 1].data)
    return Text(line)


def question_kind(session: Session) -> str | None:
    """What the pending question asks, for machine front-ends: slot:NAME, triage, step, check, ... or None."""
    if session.state == "slot":
        return f"slot:{session.node}"
    if session.state in ("idle", "handoff"):
        return None
    return session.state


def diagnosis(session: Session) -> dict[str, Any] | None:
    """The cause the conversation is on, and the pending step's index while steps are shown."""
    if session.intent is None:
        return None
    return {"intent": session.intent, "step": session.step if session.state == "step" else None}


def jsonl_event(line: str, last: Reply | None) -> Event | str:
    """One JSON input line -> engine event, or an error message for a malformed line."""
    try:
        data = json.loads(line)
    except ValueError:
        return "not JSON"
    if not isinstance(data, dict):
        return "expected a JSON object"
    if isinstance(data.get("text"), str):
        return Text(data["text"])
    if isinstance(data.get("command"), str) and data["command"].strip("/"):
        name, _, arg = data["command"].strip().lstrip("/").partition(" ")
        return Command(name, arg)
    button = data.get("button")
    if isinstance(button, int) and not isinstance(button, bool):
        if last and 1 <= button <= len(last.buttons):
            return Choice(last.buttons[button - 1].data)
        return f"no option {button}"
    return 'expected {"text": ...}, {"button": N} or {"command": ...}'


def jsonl_reply(turn: Turn) -> str:
    """One reply of the JSON-lines protocol: messages, button labels, the pending question, the diagnosis."""
    return json.dumps(
        {
            "messages": list(console_reply(turn).messages),
            "buttons": [b.label for b in turn.reply.buttons],
            "question": question_kind(turn.session),
            "diagnosis": diagnosis(turn.session),
        },
        ensure_ascii=False,
    )
