"""Load and validate `intents/` into a Catalog, or raise one ContentError listing every problem with its place.

Owns the content format (documented in intents/README.md). Imports only the standard library and the engine's
own modules.
"""

from __future__ import annotations

import itertools
import re
import string
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bot.engine.model import (
    CATEGORIES,
    Catalog,
    Intent,
    Option,
    Placeholder,
    Question,
    Step,
    TriageNode,
    TriageOption,
)
from bot.engine.text import normalise

MAX_TEXT = 4096  # Telegram's message limit
MAX_ID = 24  # keeps "<seq>:<id>" far inside Telegram's 64-byte callback_data
MAX_TITLE = 40
ROOT = "menu"
ID_RE = re.compile(r"^[a-z0-9_]+$")
KINDS_NONE = ("greeting", "thanks", "bye", "human", "confused", "out_of_scope")
ROUTES = ("icloud", "computer", "both")

TEXT_KEYS = frozenset(
    [
        "greeting",
        "help",
        "menu_prompt",
        "reset",
        "forget",
        "out_of_scope",
        "out_of_scope_menu",
        "other_language",
        "did_you_mean",
        "something_else",
        "clarify_free_text",
        "intent_start",
        "step_header",
        "warning_prefix",
        "step_question",
        "opt_fixed",
        "opt_not_fixed",
        "opt_skip",
        "fixed",
        "feedback_question",
        "opt_helpful",
        "opt_not_helpful",
        "feedback_thanks",
        "steps_exhausted",
        "offer_human",
        "opt_human",
        "opt_done",
        "human_requested",
        "human_unavailable",
        "goodbye",
        "topic_switch",
        "reask",
        "reask_menu",
        "stale_option",
        "expired",
        "thanks",
        "greeting_mid_flow",
        "empty",
        "unsupported_media",
        "image_read",
        "image_unsure",
        "image_unavailable",
        "image_unreadable",
        "image_too_big",
        "image_busy",
        "image_caption_only",
        "too_long",
        "flood",
        "error",
        "not_your_buttons",
        "autoanswer_on",
        "autoanswer_off",
        "admins_only",
        "commands",
        "check_question",
        "narrowed",
        "opt_next",
        "opt_solved",
        "handoff_closed",
        "relay_from_operator",
        "relay_from_team",
        "ticket_header",
        "ticket_closed",
        "ticket_ended",
        "ticket_reply_hint",
        "ticket_forwarded",
        "operators_only",
        "private_continue_note",
        "private_continue_button",
        "private_continued",
        "stats_header",
        "confirm_question",
        "opt_confirm_yes",
        "midcheck_question",
        "opt_midcheck_yes",
        "skip_tried",
        "reask_keep",
        "mac_app_question",
        "route_switch",
        "checkin_offer",
        "checkin_scheduled",
        "checkin_question",
        "checkin_opt_fixed",
        "checkin_opt_failing",
        "checkin_opt_later",
        "checkin_last",
        "incident_banner",
        "incident_subscribe",
        "incident_subscribed",
        "incident_already_fixed",
        "incident_fixed",
        "incident_started",
        "incident_ended",
        "incident_none",
        "incident_list",
        "incident_usage",
        "incident_unknown",
    ]
)
# the {fields} each text may use: what its caller passes (any other field would raise at run time)
TEXT_FIELDS = {
    "image_read": {"text"},
    "checkin_scheduled": {"minutes"},
    "incident_banner": {"text"},
    "incident_started": {"target"},
    "incident_ended": {"target", "count"},
    "incident_list": {"incidents"},
    "incident_unknown": {"target"},
    "intent_start": {"title"},
    "topic_switch": {"title"},
    "step_header": {"n", "total"},
    "relay_from_operator": {"name", "text"},
    "relay_from_team": {"text"},
    "ticket_header": {"number", "who"},
    "ticket_closed": {"number"},
    "ticket_ended": {"number"},
    "stats_header": {"days"},
    "skip_tried": {"what"},
    "route_switch": {"title"},
}
CAUSE_KEYS = frozenset(
    [
        "id",
        "source",
        "title",
        "route",
        "needs",
        "intro",
        "escalation",
        "phrases",
        "keywords",
        "alerts",
        "step",
        "requires",
    ]
)
GENERAL_KEYS = frozenset(["id", "title", "phrases", "keywords", "alerts", "start", "requires"])
NONE_KEYS = frozenset(["id", "title", "kind", "phrases", "keywords", "reply", "requires", "alerts"])
STEP_KEYS = frozenset(["source", "text", "when", "warning", "check", "tries", "checkin"])
# What a step can amount to, so a person who says they already did it is not asked again (`tries` on a step).
TRIES = frozenset(
    """restart_phone restart_computer other_cable other_port other_computer other_network update_ios update_computer
    reinstall_app sign_out_in free_icloud_space free_phone_space free_computer_space disable_security_software
    reset_network_settings trust_again toggle_backup vpn_off delete_old_backup buy_storage""".split()
)
# escalations the front-ends look up by name at run time (every text key is in TEXT_KEYS, required above):
# bot/tg/handoff.py answers /human with Apple Support's when no support team is connected and no problem is known
REQUIRED_ESCALATIONS = ("apple_support",)


class ContentError(Exception):
    """Invalid content; `problems` lists every problem found, each with its file and place."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def _fields(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return ["<unbalanced braces>"]


def _check_keys(table: Mapping[str, Any], allowed: Iterable[str], where: str, problems: _Problems) -> None:
    for key in sorted(set(table) - set(allowed)):
        problems.add(where, f"unknown key '{key}'")


def _str(
    table: Mapping[str, Any],
    key: str,
    where: str,
    problems: _Problems,
    *,
    required: bool = True,
    limit: int = MAX_TEXT,
) -> str:
    value = table.get(key)
    if value is None:
        if required:
            problems.add(where, f"missing '{key}'")
        return ""
    if not isinstance(value, str) or not value.strip():
        problems.add(f"{where}.{key}", "must be non-empty text")
        return ""
    if len(value) > limit:
        problems.add(f"{where}.{key}", f"is {len(value)} characters, more than {limit}")
    return value


def _str_list(table: Mapping[str, Any], key: str, where: str, problems: _Problems) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.add(f"{where}.{key}", "must be a list of non-empty texts")
        return ()
    return tuple(value)


def _table(value: Any, where: str, problems: _Problems) -> dict[str, Any]:
    """`value` as a TOML table, or {} with a problem reported (never an AttributeError later)."""
    if isinstance(value, dict):
        return value
    problems.add(where, f"must be a table, not {type(value).__name__}")
    return {}


def _tables(value: Any, where: str, problems: _Problems) -> list[dict[str, Any]]:
    """`value` as an array of tables; entries that are not tables are reported and skipped."""
    if not isinstance(value, list):
        problems.add(where, f"must be an array of tables, not {type(value).__name__}")
        return []
    good = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            good.append(item)
        else:
            problems.add(f"{where}[{i}]", f"must be a table, not {type(item).__name__}")
    return good


def _bool(table: Mapping[str, Any], key: str, where: str, problems: _Problems) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        problems.add(f"{where}.{key}", "must be true or false")
        return False
    return value


def _id(table: Mapping[str, Any], where: str, problems: _Problems) -> str:
    value = _str(table, "id", where, problems, limit=MAX_ID)
    if value and not ID_RE.match(value):
        problems.add(f"{where}.id", f"'{value}' must use only a-z, 0-9 and _")
    return value


def _read(path: Path, problems: _Problems) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        problems.add(str(path), f"not valid TOML: {exc}")
    except OSError as exc:
        problems.add(str(path), f"cannot read: {exc.strerror}")
    return {}


# ---------------------------------------------------------------- bot.toml


def _load_questions(data: Mapping[str, Any], where: str, problems: _Problems) -> dict[str, Question]:
    questions: dict[str, Question] = {}
    for slot, table in _table(data, f"{where}: questions", problems).items():
        place = f"{where}: questions.{slot}"
        if not isinstance(table, dict):
            problems.add(place, "must be a table")
            continue
        _check_keys(table, ("text", "options"), place, problems)
        options = []
        for i, opt in enumerate(_tables(table.get("options", []), f"{place}.options", problems)):
            oplace = f"{place}.options[{i}]"
            if not isinstance(opt, dict):
                problems.add(oplace, "must be a table")
                continue
            _check_keys(opt, ("value", "label", "synonyms"), oplace, problems)
            value = _str(opt, "value", oplace, problems, limit=MAX_ID)
            options.append(
                Option(
                    value,
                    _str(opt, "label", oplace, problems, limit=64),
                    _str_list(opt, "synonyms", oplace, problems),
                )
            )
        if not options:
            problems.add(place, "has no options")
        questions[slot] = Question(slot, _str(table, "text", place, problems), tuple(options))
    return questions


def _load_placeholders(
    data: Mapping[str, Any], questions: Mapping[str, Question], where: str, problems: _Problems
) -> dict[str, Placeholder]:
    placeholders: dict[str, Placeholder] = {}
    for name, table in _table(data, f"{where}: placeholders", problems).items():
        place = f"{where}: placeholders.{name}"
        if not isinstance(table, dict):
            problems.add(place, "must be a table")
            continue
        _check_keys(table, ("slot", "values"), place, problems)
        slot = _str(table, "slot", place, problems)
        values = _table(table.get("values", {}), f"{place}.values", problems)
        if slot and slot not in questions:
            problems.add(f"{place}.slot", f"unknown slot '{slot}'")
        elif slot:
            expected = set(questions[slot].values())
            for missing in sorted(expected - set(values)):
                problems.add(f"{place}.values", f"no text for {slot} '{missing}'")
            for extra in sorted(set(values) - expected):
                problems.add(f"{place}.values.{extra}", f"'{extra}' is not a value of slot '{slot}'")
        placeholders[name] = Placeholder(name, slot, {k: str(v) for k, v in values.items()})
    return placeholders


def _load_triage(data: Any, where: str, problems: _Problems) -> dict[str, TriageNode]:
    nodes: dict[str, TriageNode] = {}
    for i, table in enumerate(_tables(data, f"{where}: triage", problems)):
        place = f"{where}: triage[{i}]"
        _check_keys(table, ("id", "text", "options"), place, problems)
        node_id = _id(table, place, problems)
        place = f"{where}: triage.{node_id or i}"
        options = []
        for j, opt in enumerate(_tables(table.get("options", []), f"{place}.options", problems)):
            oplace = f"{place}.options[{j}]"
            _check_keys(opt, ("label", "goto", "set"), oplace, problems)
            sets = opt.get("set", {})
            if not isinstance(sets, dict):
                problems.add(f"{oplace}.set", "must be a table of slot = value")
                sets = {}
            options.append(
                TriageOption(
                    _str(opt, "label", oplace, problems, limit=64),
                    _str(opt, "goto", oplace, problems, limit=MAX_ID),
                    dict(sets),
                )
            )
        if not options:
            problems.add(place, "has no options")
        if node_id in nodes:
            problems.add(place, f"duplicate triage id '{node_id}'")
        nodes[node_id] = TriageNode(node_id, _str(table, "text", place, problems), tuple(options))
    return nodes


# ---------------------------------------------------------------- intents


def _load_step(table: Mapping[str, Any], place: str, problems: _Problems) -> Step:
    _check_keys(table, STEP_KEYS, place, problems)
    when = table.get("when", {})
    if not isinstance(when, dict) or not all(isinstance(v, list) for v in when.values()):
        problems.add(f"{place}.when", "must be a table of slot = [values]")
        when = {}
    return Step(
        text=_str(table, "text", place, problems),
        source=_str(table, "source", place, problems),
        when={k: tuple(v) for k, v in when.items()},
        warning=_str(table, "warning", place, problems, required=False) or None,
        check=_bool(table, "check", place, problems),
        tries=_tries(table, place, problems),
        checkin=_bool(table, "checkin", place, problems),
    )


def _tries(table: Mapping[str, Any], place: str, problems: _Problems) -> tuple[str, ...]:
    tries = _str_list(table, "tries", place, problems)
    for unknown in sorted(set(tries) - TRIES):
        problems.add(f"{place}.tries", f"'{unknown}' is not one of {', '.join(sorted(TRIES))}")
    return tuple(t for t in tries if t in TRIES)


def _load_intent(table: Mapping[str, Any], category: str, place: str, problems: _Problems) -> Intent:
    intent_id = _id(table, place, problems)
    place = f"{place} ({intent_id})" if intent_id else place
    common: dict[str, Any] = {
        "id": intent_id,
        "title": _str(table, "title", place, problems, limit=MAX_TITLE),
        "phrases": _str_list(table, "phrases", place, problems),
        "keywords": _str_list(table, "keywords", place, problems),
        "requires": _str_list(table, "requires", place, problems),
    }
    if not common["phrases"]:
        problems.add(place, "has no phrases")
    if category == "general":
        _check_keys(table, GENERAL_KEYS, place, problems)
        return Intent(
            category="general",
            kind="general",
            alerts=_str_list(table, "alerts", place, problems),
            start=_str(table, "start", place, problems),
            **common,
        )
    if category == "none":
        _check_keys(table, NONE_KEYS, place, problems)
        kind = _str(table, "kind", place, problems)
        if kind and kind not in KINDS_NONE:
            problems.add(f"{place}.kind", f"'{kind}' is not one of {', '.join(KINDS_NONE)}")
            kind = "out_of_scope"
        return Intent(
            category="none",
            kind=kind or "out_of_scope",  # type: ignore[arg-type]  # checked against KINDS_NONE above
            alerts=_str_list(table, "alerts", place, problems),
            reply=_str(table, "reply", place, problems),
            **common,
        )
    _check_keys(table, CAUSE_KEYS, place, problems)
    route = _str(table, "route", place, problems)
    if route and route not in ROUTES:
        problems.add(f"{place}.route", f"'{route}' is not one of {', '.join(ROUTES)}")
    raw_steps = _tables(table.get("step", []), f"{place}.step", problems)
    steps = tuple(_load_step(s, f"{place}.step[{k}]", problems) for k, s in enumerate(raw_steps))
    if not steps:
        problems.add(place, "has no steps")
    return Intent(
        category=category,  # type: ignore[arg-type]  # one of CATEGORIES: checked in _load_intent_file
        kind="cause",
        alerts=_str_list(table, "alerts", place, problems),
        source=_str(table, "source", place, problems),
        route=route if route in ROUTES else "both",  # type: ignore[arg-type]  # narrowed by the membership test
        needs=_str_list(table, "needs", place, problems),
        intro=_str(table, "intro", place, problems),
        escalation=_str(table, "escalation", place, problems),
        steps=steps,
        **common,
    )


def _load_intent_file(path: Path, problems: _Problems) -> list[tuple[str, Intent]]:
    data = _read(path, problems)
    if not data:
        return []
    where = str(path.as_posix())
    _check_keys(data, ("category", "intent"), where, problems)
    category = data.get("category")
    allowed = (*CATEGORIES, "general", "none")
    expected = "none" if path.stem == "out_of_scope" else path.stem
    if category not in allowed:
        problems.add(f"{where}: category", f"'{category}' is not one of {', '.join(allowed)}")
        return []
    if category != expected:
        problems.add(f"{where}: category", f"'{category}' does not match the file name (expected '{expected}')")
    loaded = [
        _load_intent(t, category, f"{where}: intent[{i}]", problems)
        for i, t in enumerate(_tables(data.get("intent", []), f"{where}: intent", problems))
    ]
    return [
        (f"{where}: intent[{i}]" + (f" ({intent.id})" if intent.id else ""), intent) for i, intent in enumerate(loaded)
    ]


# ---------------------------------------------------------------- cross checks


def _slot_values(intent: Intent, questions: Mapping[str, Question]) -> dict[str, tuple[str, ...]]:
    values = {slot: questions[slot].values() for slot in intent.needs if slot in questions}
    if intent.route != "both":
        values["route"] = (intent.route,)
    return values


def _check_intent(intent: Intent, place: str, catalog: Catalog, problems: _Problems) -> None:
    for slot in intent.needs:
        if slot not in catalog.questions:
            problems.add(f"{place}.needs", f"unknown slot '{slot}'")
    if intent.kind == "cause" and intent.escalation and intent.escalation not in catalog.escalations:
        problems.add(f"{place}.escalation", f"unknown escalation '{intent.escalation}'")
    if intent.kind == "general" and intent.start and intent.start not in catalog.triage:
        problems.add(f"{place}.start", f"unknown triage node '{intent.start}'")
    known = _slot_values(intent, catalog.questions)
    longest: dict[str, int] = {}
    for k, step in enumerate(intent.steps):
        splace = f"{place}.step[{k}]"
        for value in step.tries:
            if value not in catalog.tries:
                problems.add(f"{splace}.tries", f"'{value}' has no wording in bot.toml [tries]")
        for text in (step.text, step.warning or ""):
            for name in _fields(text):
                holder = catalog.placeholders.get(name)
                if holder is None:
                    problems.add(f"{splace}.text", f"unknown placeholder '{{{name}}}'")
                elif holder.slot not in known:
                    problems.add(f"{splace}.text", f"placeholder '{{{name}}}' needs slot '{holder.slot}' in needs")
                else:
                    longest[name] = max(len(v) for v in holder.values.values())
        for slot, values in step.when.items():
            if slot not in known:
                problems.add(f"{splace}.when", f"slot '{slot}' is not in needs")
                continue
            for value in values:
                if value not in catalog.questions[slot].values():
                    problems.add(f"{splace}.when.{slot}", f"'{value}' is not a value of slot '{slot}'")
        size = len(step.text) + len(step.warning or "") + 200 + sum(longest.values())
        if size > MAX_TEXT:
            problems.add(splace, f"rendered step may reach {size} characters, more than {MAX_TEXT}")
    if intent.kind == "cause" and intent.steps:
        slots = sorted(s for s in known if any(s in st.when for st in intent.steps))
        for combo in itertools.product(*(known[s] for s in slots)):
            chosen = dict(zip(slots, combo, strict=True))
            if not any(step_applies(st, chosen) for st in intent.steps):
                problems.add(place, f"dead end: no step applies when {chosen}")


def _load_tries(data: Any, where: str, problems: _Problems) -> dict[str, str]:
    """bot.toml [tries]: how each TRIES value reads in "You've already {what}, so I'll skip that"."""
    table = _table(data, f"{where}: tries", problems)
    for key in sorted(set(table) - TRIES):
        problems.add(f"{where}: tries.{key}", f"'{key}' is not one of {', '.join(sorted(TRIES))}")
    return {k: _str(table, k, f"{where}: tries", problems) for k in table if k in TRIES}


def step_applies(step: Step, slots: Mapping[str, str]) -> bool:
    """A step applies unless a `when` slot has a value outside its list."""
    return all(slots.get(slot) in values for slot, values in step.when.items() if slot in slots)


def _check_graph(catalog: Catalog, root: Path, problems: _Problems) -> None:
    where = f"{(root / 'bot.toml').as_posix()}: triage"
    if ROOT not in catalog.triage:
        problems.add(where, f"no root node '{ROOT}'")
        return
    for node in catalog.triage.values():
        for j, opt in enumerate(node.options):
            if opt.goto not in catalog.triage and opt.goto not in catalog.intents:
                problems.add(f"{where}.{node.id}.options[{j}].goto", f"unknown node or intent '{opt.goto}'")
            for slot, value in opt.set.items():
                question = catalog.questions.get(slot)
                if question is None or value not in question.values():
                    problems.add(f"{where}.{node.id}.options[{j}].set", f"unknown slot value {slot} = '{value}'")
    seen: set[str] = set()
    todo = [ROOT]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        reached = catalog.triage.get(current)
        if reached:
            todo.extend(o.goto for o in reached.options)
    for node_id in catalog.triage:
        if node_id not in seen:
            problems.add(f"{where}.{node_id}", f"unreachable from '{ROOT}'")
    for intent in catalog.intents.values():
        if intent.kind == "cause" and intent.id not in seen:
            problems.add(
                f"{(root / f'{intent.category}.toml').as_posix()}: {intent.id}",
                f"unreachable from the triage menu '{ROOT}'",
            )
    # every node must lead to at least one intent (an end), not only round in circles
    ends: set[str] = {i for i in catalog.intents}
    changed = True
    while changed:
        changed = False
        for node in catalog.triage.values():
            if node.id not in ends and any(o.goto in ends for o in node.options):
                ends.add(node.id)
                changed = True
    for node_id in catalog.triage:
        if node_id not in ends:
            problems.add(f"{where}.{node_id}", "dead end: no option leads to an intent")


def _check_phrases(intents: Iterable[tuple[str, Intent]], problems: _Problems) -> None:
    owner: dict[str, str] = {}
    for place, intent in intents:
        for phrase in (*intent.phrases, *intent.alerts):
            key = normalise(phrase)
            if not key:
                problems.add(place, f"phrase '{phrase}' is empty once normalised")
            elif key in owner and owner[key] != intent.id:
                problems.add(place, f"phrase '{phrase}' also belongs to intent '{owner[key]}'")
            else:
                owner[key] = intent.id


# ---------------------------------------------------------------- entry point


def load_catalog(directory: Path | str) -> Catalog:
    """Read every `*.toml` in `directory`; raise ContentError listing every problem."""
    root = Path(directory)
    problems = _Problems()
    bot_path = root / "bot.toml"
    shared = _read(bot_path, problems)
    where = bot_path.as_posix()
    _check_keys(shared, ("text", "questions", "placeholders", "escalations", "triage", "tries"), where, problems)
    texts = _table(shared.get("text", {}), f"{where}: text", problems)
    for key in sorted(set(texts) - TEXT_KEYS):
        problems.add(f"{where}: text.{key}", "unknown text key")
    for key in sorted(TEXT_KEYS - set(texts)):
        problems.add(f"{where}: text", f"missing '{key}'")
    for key, value in texts.items():
        if isinstance(value, str):
            fields = set(_fields(value))
            if fields - TEXT_FIELDS.get(key, set()):
                allowed = ", ".join(sorted(TEXT_FIELDS.get(key, set()))) or "none"
                problems.add(f"{where}: text.{key}", f"unknown field(s) {sorted(fields)}; allowed: {allowed}")
        _str(texts, key, f"{where}: text", problems)
        del value
    questions = _load_questions(shared.get("questions", {}), where, problems)
    placeholders = _load_placeholders(shared.get("placeholders", {}), questions, where, problems)
    escalations = {}
    for key, table in _table(shared.get("escalations", {}), f"{where}: escalations", problems).items():
        table = _table(table, f"{where}: escalations.{key}", problems)
        _check_keys(table, ("text",), f"{where}: escalations.{key}", problems)
        escalations[key] = _str(table, "text", f"{where}: escalations.{key}", problems)
    for key in REQUIRED_ESCALATIONS:
        if key not in escalations:
            problems.add(f"{where}: escalations", f"missing '{key}' (the Telegram adapter uses it by name)")
    triage = _load_triage(shared.get("triage", []), where, problems)
    tries = _load_tries(shared.get("tries", {}), where, problems)

    loaded: list[tuple[str, Intent]] = []
    for path in sorted(root.glob("*.toml")):
        if path.name != "bot.toml":
            loaded.extend(_load_intent_file(path, problems))
    intents: dict[str, Intent] = {}
    for place, intent in loaded:
        if intent.id in intents:
            problems.add(place, f"duplicate intent id '{intent.id}'")
        elif intent.id in triage:
            problems.add(place, f"intent id '{intent.id}' is also a triage node id")
        intents[intent.id] = intent
    wording = {k: str(v) for k, v in texts.items()}
    catalog = Catalog(intents, questions, placeholders, escalations, triage, wording, tries)
    for place, intent in loaded:
        _check_intent(intent, place, catalog, problems)
    _check_phrases(loaded, problems)
    _check_graph(catalog, root, problems)
    if not any(i.kind == "cause" for i in intents.values()):
        problems.add(str(root), "no intents with steps found")
    if problems.items:
        raise ContentError(problems.items)
    return catalog
