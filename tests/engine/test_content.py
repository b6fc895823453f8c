"""The content loader: the shipped catalog is valid and within Telegram's limits; each broken fixture fails
with one precise message (file and place), both from load_catalog and from `python -m bot check`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.engine.content import MAX_ID, MAX_TEXT, ContentError, load_catalog
from bot.engine.model import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
INTENTS = ROOT / "intents"
FIXTURES = ROOT / "tests" / "fixtures"
DOMAIN = ROOT.parent / "shared" / "knowledge" / "domain.md"
SOURCE_RE = re.compile(r"^(?:%s|policy)\.[a-z0-9_]+$" % "|".join(CATEGORIES))  # noqa: UP031 - reads better
MIN_PHRASES = 25
BIG_SEQ = 10**9  # callback data is "<seq>:<value>"; a conversation with a billion questions still fits

_SHIPPED = load_catalog(INTENTS)
CAUSES = sorted(i.id for i in _SHIPPED.intents.values() if i.kind == "cause")

# case -> (file, place, message): each broken fixture has exactly one defect, reported once, with its place
BROKEN = {
    "unknown_key": ("storage.toml", "intent[0] (icloud_full)", "unknown key 'colour'"),
    "unknown_placeholder": (
        "storage.toml",
        "intent[0] (icloud_full).step[1].text",
        "unknown placeholder '{reset_manu}'",
    ),
    "placeholder_slot": (
        "storage.toml",
        "intent[0] (icloud_full).step[2].text",
        "placeholder '{app}' needs slot 'computer' in needs",
    ),
    "unknown_triage_target": (
        "bot.toml",
        "triage.icloud_menu.options[2].goto",
        "unknown node or intent 'ghost_intent'",
    ),
    "unreachable_intent": ("storage.toml", "halfway_port", "unreachable from the triage menu 'menu'"),
    "unreachable_triage_node": ("bot.toml", "triage.orphan", "unreachable from 'menu'"),
    "duplicate_phrase": (
        "storage.toml",
        "intent[1] (disk_full)",
        "phrase 'ICLOUD storage is full!' also belongs to intent 'icloud_full'",
    ),
    "text_too_long": ("storage.toml", "intent[0] (icloud_full).intro", "is 5000 characters, more than 4096"),
    "id_too_long": ("out_of_scope.toml", "intent[4].id", "more than 24"),
    "dead_end_when": (
        "storage.toml",
        "intent[1] (disk_full)",
        "dead end: no step applies when {'computer': 'not_sure'}",
    ),
    "bad_toml": ("general.toml", "", "not valid TOML"),
    "missing_text": ("bot.toml", "text", "missing 'reset'"),
    "unknown_escalation": ("storage.toml", "intent[0] (icloud_full).escalation", "unknown escalation 'apple_suport'"),
    "missing_escalation": ("bot.toml", "escalations", "missing 'apple_support'"),
}


def _expected(case: str) -> tuple[str, str]:
    file, place, message = BROKEN[case]
    prefix = f"{(FIXTURES / case / file).as_posix()}: {place}" if place else f"{(FIXTURES / case / file).as_posix()}"
    return prefix, message


# ---------------------------------------------------------------- the shipped content


def test_shipped_content_loads():
    """intents/ passes every check of load_catalog and holds cause intents in every category."""
    catalog = load_catalog(INTENTS)
    assert {i.category for i in catalog.intents.values() if i.kind == "cause"} == set(CATEGORIES)


@pytest.mark.parametrize("intent_id", CAUSES)
def test_cause_intent_is_complete(catalog, intent_id):
    """Every cause intent has enough phrases, a knowledge-base source, steps, and every step a source."""
    intent = catalog.intents[intent_id]
    assert len(intent.phrases) >= MIN_PHRASES
    assert SOURCE_RE.match(intent.source), intent.source
    assert intent.steps
    for k, step in enumerate(intent.steps):
        assert SOURCE_RE.match(step.source), (k, step.source)
    assert intent.escalation in catalog.escalations
    assert intent.intro and intent.title


@pytest.mark.skipif(not DOMAIN.is_file(), reason="knowledge base not checked out next to the project")
def test_sources_exist_in_knowledge_base(catalog):
    """Every intent and step source names a sub-cause that the knowledge base actually documents."""
    documented = set(re.findall(r"`([a-z]+\.[a-z0-9_]+)`", DOMAIN.read_text(encoding="utf-8")))
    used = {i.source for i in catalog.intents.values() if i.kind == "cause"}
    used |= {s.source for i in catalog.intents.values() for s in i.steps}
    assert used - documented == set()


def _all_texts(catalog):
    yield from catalog.texts.items()
    yield from ((f"escalations.{k}", v) for k, v in catalog.escalations.items())
    for q in catalog.questions.values():
        yield f"questions.{q.slot}", q.text
        yield from ((f"questions.{q.slot}.{o.value}", o.label) for o in q.options)
    for node in catalog.triage.values():
        yield f"triage.{node.id}", node.text
        yield from ((f"triage.{node.id}.label", o.label) for o in node.options)
    for intent in catalog.intents.values():
        yield from (
            (f"{intent.id}.{k}", v)
            for k, v in (("title", intent.title), ("intro", intent.intro), ("reply", intent.reply))
        )
        for k, step in enumerate(intent.steps):
            yield f"{intent.id}.step[{k}]", step.text
            yield f"{intent.id}.step[{k}].warning", step.warning or ""


def test_every_text_fits_a_telegram_message(catalog):
    """No text the bot can send is longer than Telegram's 4096 characters."""
    too_long = [name for name, text in _all_texts(catalog) if len(text) > MAX_TEXT]
    assert not too_long


def test_rendered_steps_fit_a_telegram_message(catalog, engine):
    """Every step, with its longest placeholder values and warning, still fits one message."""
    from bot.engine.model import Session

    worst = {"ios": "not_sure", "computer": "not_sure", "route": "computer"}
    for intent in catalog.intents.values():
        for k in range(len(intent.steps)):
            session = Session(intent=intent.id, step=k, slots=worst)
            assert len(engine.render_step(intent, session)) <= MAX_TEXT


def test_ids_are_short(catalog):
    """Intent, triage and option ids are at most 24 characters."""
    ids = [*catalog.intents, *catalog.triage, *(o.value for q in catalog.questions.values() for o in q.options)]
    assert [i for i in ids if len(i) > MAX_ID] == []


def test_callback_data_fits_64_bytes(catalog):
    """Every value a button can carry fits Telegram's callback_data as "<seq>:<value>"."""
    values = {"else", "fixed", "not_fixed", "skip", "helpful", "not_helpful", "human", "done", *catalog.intents}
    values |= {o.value for q in catalog.questions.values() for o in q.options}
    values |= {str(j) for node in catalog.triage.values() for j in range(len(node.options))}
    assert [v for v in values if len(f"{BIG_SEQ}:{v}".encode()) > 64] == []


# ---------------------------------------------------------------- broken fixtures


def test_tiny_fixture_is_valid():
    """The base every broken fixture copies is itself valid (else a fixture could fail for two reasons)."""
    catalog = load_catalog(FIXTURES / "tiny")
    assert "icloud_full" in catalog.intents


def test_every_fixture_folder_is_covered():
    """Each folder under tests/fixtures is either the valid base or a listed broken case."""
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert folders == {"tiny", "two_defects", *BROKEN}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_fixture_fails_load_with_one_precise_problem(case):
    """load_catalog raises ContentError with exactly one problem naming the file and the place."""
    with pytest.raises(ContentError) as info:
        load_catalog(FIXTURES / case)
    prefix, message = _expected(case)
    assert len(info.value.problems) == 1, info.value.problems
    (problem,) = info.value.problems
    assert problem.startswith(prefix), problem
    assert message in problem


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_fixture_fails_check_command(case):
    """`python -m bot --intents DIR check` exits 1 and prints the same precise problem."""
    result = CliRunner().invoke(cli, ["--intents", str(FIXTURES / case), "check"], obj={})
    assert result.exit_code == 1
    prefix, message = _expected(case)
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert any(line.startswith(prefix) and message in line for line in lines), result.stderr
    assert "1 problem(s)" in result.stderr


def test_check_command_as_a_real_process():
    """The real entry point (`python -m bot`) exits 1 on broken content, naming the file."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--intents", str(FIXTURES / "unknown_escalation"), "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "storage.toml" in result.stderr and "apple_suport" in result.stderr


def test_all_problems_reported_in_one_pass():
    """A fixture with two defects in one file yields both messages from a single load."""
    with pytest.raises(ContentError) as info:
        load_catalog(FIXTURES / "two_defects")
    problems = info.value.problems
    assert len(problems) == 2
    assert any("icloud_full" in p and "unknown key 'colour'" in p for p in problems)
    assert any("disk_full" in p and "unknown escalation 'nobody'" in p for p in problems)
    assert str(info.value) == "\n".join(problems)


def _tiny_copy(tmp_path):
    import shutil

    target = tmp_path / "content"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "tiny", target)
    return target


def test_wrong_types_are_reported_not_raised(tmp_path):
    """A list where a table belongs, or a plain string as an escalation, is a reported problem, not a crash."""
    folder = _tiny_copy(tmp_path)
    (folder / "storage.toml").write_text('category = "storage"\nintent = ["oops"]\n', encoding="utf-8")
    bot = folder / "bot.toml"
    bot.write_text(bot.read_text(encoding="utf-8") + '\n[escalations]\nplain = "just a string"\n', encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalog(folder)
    text = "\n".join(caught.value.problems)
    assert "intent[0]: must be a table, not str" in text
    assert "escalations.plain: must be a table, not str" in text


def test_unknown_field_in_shared_wording_is_reported(tmp_path):
    """A {field} the caller never passes ('{nope}') is caught by check, not by a person mid-conversation."""
    folder = _tiny_copy(tmp_path)
    bot = folder / "bot.toml"
    text = bot.read_text(encoding="utf-8")
    start = text.index("\ntopic_switch = ")
    end = text.index("\n", start + 1)
    bot.write_text(text[:start] + '\ntopic_switch = "Switching to {nope}."' + text[end:], encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalog(folder)
    assert any("text.topic_switch" in p and "nope" in p for p in caught.value.problems)
