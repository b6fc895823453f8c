"""The command line (bot/cli.py) through click's CliRunner: a whole console conversation compared line by line,
classify on hostile input, phrases, eval, check, and --help plus README mention for every command."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.engine.content import step_applies
from bot.engine.machine import Engine
from bot.engine.model import CATEGORIES, Session
from bot.engine.slots import extract_slots

ROOT = Path(__file__).resolve().parent.parent
INTENTS = ROOT / "intents"
ALLOWED = {*CATEGORIES, "general", "none"}


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke the CLI from an empty folder (no stray .env) with a clean environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "WEBHOOK_SECRET", "SESSION_TTL_HOURS", "BOT_DB", "BOT_INTENTS"):
        monkeypatch.delenv(name, raising=False)

    def invoke(*args: str, input: str | bytes | None = None):
        return CliRunner().invoke(cli, ["--intents", str(INTENTS), *args], input=input, obj={})

    return invoke


# ---------------------------------------------------------------- transcript


def _bot(messages, labels=()) -> list[str]:
    """The console rendering of one reply: 'bot> ' lines, indented continuations, numbered options."""
    lines = []
    for message in messages:
        first, *rest = message.splitlines() or [""]
        lines.append(f"bot> {first}")
        lines.extend(f"     {line}" for line in rest)
    lines.extend(f"     {n}) {label}" for n, label in enumerate(labels, 1))
    return lines


def _step(catalog, intent, steps, k, slots) -> str:
    values = {
        name: h.values.get(slots.get(h.slot, "not_sure")) or h.values.get("not_sure", "")
        for name, h in catalog.placeholders.items()
    }
    step = steps[k]
    text = f"{catalog.text('step_header', n=str(k + 1), total=str(len(steps)))} {step.text.format(**values)}"
    if step.warning:
        text += f"\n\n{catalog.text('warning_prefix')} {step.warning.format(**values)}"
    return text


def test_chat_transcript_whole_diagnosis(run, catalog, matcher):
    """iCloud full -> iOS by number -> 'no' to every step -> escalation -> feedback, line for line."""
    t = catalog.text
    message = "my icloud storage is full so the iphone cant back up"
    intent = catalog.intents[matcher.match(message).intent]
    assert intent.category == "storage" and intent.route == "icloud"
    assert [s for s in intent.needs if s not in extract_slots(message)] == ["ios"]
    ios = catalog.questions["ios"]
    slots = {"route": "icloud", "ios": ios.options[0].value}
    steps = [s for s in intent.steps if step_applies(s, slots)]

    def question(step):  # a check step asks "Done?" with next/solved; a fix step "Did that fix it?"
        if step.check:
            return t("check_question"), [t("opt_next"), t("opt_solved")]
        return t("step_question"), [t("opt_fixed"), t("opt_not_fixed"), t("opt_skip")]

    feedback_options = [t("opt_helpful"), t("opt_not_helpful")]

    expected = _bot([t("greeting"), t("menu_prompt")], [o.label for o in catalog.triage["menu"].options])
    expected += [f"you> {message}"]
    expected += _bot([t("intent_start", title=intent.title), ios.text], [o.label for o in ios.options])
    expected += ["you> 1"]
    asked, options = question(steps[0])
    expected += _bot([intent.intro, _step(catalog, intent, steps, 0, slots), asked], options)
    # other likely causes for the same words, offered mid-way and again before escalating
    others = Engine(catalog, matcher)._next_causes(Session(words=(message,), slots=slots, intent=intent.id))
    assert others and intent.id not in others
    titles = [catalog.intents[i].title for i in others]
    answers, checked = [message, "1"], False
    for k in range(1, len(steps)):
        expected += ["you> no"]
        answers.append("no")
        failed = any(not step.check for step in steps[:k])
        if k >= 2 and failed and not checked:  # two steps done, a fix among them failed: still your problem?
            checked = True
            expected += _bot([t("midcheck_question")], [t("opt_midcheck_yes"), *titles, t("something_else")])
            expected += ["you> 1"]
            answers.append("1")
        asked, options = question(steps[k])
        expected += _bot([_step(catalog, intent, steps, k, slots), asked], options)
    expected += ["you> no"]
    # before escalating, "did I get your problem right?" with the next likely causes for the same words
    expected += _bot(
        [t("steps_exhausted"), t("confirm_question")], [t("opt_confirm_yes"), *titles, t("something_else")]
    )
    expected += ["you> 1"]
    expected += _bot([catalog.escalations[intent.escalation], t("feedback_question")], feedback_options)
    expected += ["you> 2"]
    expected += _bot([t("feedback_thanks")])
    expected += ["bye"]

    script = "\n".join([*answers, "no", "1", "2"]) + "\n"
    result = run("chat", "--memory", input=script)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == expected


def test_chat_eof_ends_cleanly(run, catalog):
    """No input at all: the greeting, then 'bye', exit code 0."""
    result = run("chat", "--memory", input="")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"bot> {catalog.text('greeting')}" and lines[-1] == "bye"


def test_chat_continues_across_runs(run, tmp_path, catalog):
    """With a database file, a second run picks up the pending question instead of greeting again."""
    db = str(tmp_path / "c.sqlite3")
    run("chat", "--db", db, input="/start icloud_full\n")
    result = run("chat", "--db", db, input="")
    assert result.stdout.splitlines()[0] == f"bot> {catalog.questions['ios'].text}"


# ---------------------------------------------------------------- classify, phrases, eval, check

ODD_LINES = [
    b"",
    b"x" * 10_000,
    "my icloud is full 😭😭".encode(),
    "גיבוי לא עובד ‏ icloud".encode(),
    b"ctrl \x00\x07\x1b[31m\x0c\x1c here",
    b"bad \xff\xfe\xc3 utf8",
    b"   ",
    b"icloud storage is full",
]


def test_classify_one_json_object_per_line(run):
    """Hostile input lines (empty, huge, emoji, RTL, control chars, invalid UTF-8) -> one JSON line each, in order."""
    result = run("classify", input=b"\n".join(ODD_LINES) + b"\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == len(ODD_LINES)
    for raw, row in zip(ODD_LINES, rows, strict=True):
        assert set(row) >= {"text", "intent", "category", "score"}
        assert row["category"] in ALLOWED
        assert row["text"] == raw.decode("utf-8", errors="replace")
    assert rows[0]["category"] == "none" and rows[-1]["category"] == "storage"


def test_classify_windows_line_endings(run):
    """CRLF input gives the same texts as LF input."""
    result = run("classify", input=b"icloud full\r\nhello\r\n")
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["icloud full", "hello"]


def test_phrases_jsonl(run, catalog):
    """Every phrase of the catalog, once, with its intent and category."""
    result = run("phrases")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == sum(len(i.phrases) for i in catalog.intents.values())
    for row in rows:
        assert row["text"] in catalog.intents[row["intent"]].phrases
        assert row["category"] == catalog.intents[row["intent"]].category


def _labelled(tmp_path, matcher):
    rows = [
        {"text": "icloud storage is full", "category": "storage"},
        {"text": "the weather is nice today", "category": "out_of_scope"},
        {"text": "my wifi keeps dropping during the backup", "category": "network"},
        {"text": "icloud storage is full", "category": "hardware"},
    ]  # deliberately mislabelled
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    gold = ["none" if r["category"] == "out_of_scope" else r["category"] for r in rows]
    accuracy = sum(matcher.match(r["text"]).category == g for r, g in zip(rows, gold, strict=True)) / len(rows)
    return path, accuracy


def test_eval_prints_accuracy_and_confusion(run, tmp_path, matcher):
    """eval reports the overall accuracy the matcher really has on the file, and a confusion matrix."""
    path, accuracy = _labelled(tmp_path, matcher)
    assert 0 < accuracy < 1
    result = run("eval", str(path), "--misses")
    assert result.exit_code == 0
    assert f"messages: 4  accuracy: {accuracy:.1%}" in result.stdout
    assert "confusion" in result.stdout and "hardware" in result.stdout


def test_eval_json_output(run, tmp_path, matcher):
    """--json gives the same accuracy as a number."""
    path, accuracy = _labelled(tmp_path, matcher)
    result = run("eval", str(path), "--json")
    assert json.loads(result.stdout)["accuracy"] == pytest.approx(accuracy)


def test_eval_min_accuracy_exit_code(run, tmp_path, matcher):
    """--min-accuracy above the real accuracy exits 1; below it exits 0."""
    path, accuracy = _labelled(tmp_path, matcher)
    assert run("eval", str(path), "--min-accuracy", str(accuracy + 0.01)).exit_code == 1
    assert run("eval", str(path), "--min-accuracy", str(accuracy - 0.01)).exit_code == 0


def test_check_ok_on_shipped_content(run, catalog):
    """check passes on intents/ and reports the counts."""
    result = run("check")
    assert result.exit_code == 0
    assert result.stdout.startswith("OK:") and f"{len(catalog.intents)} intents" in result.stdout


def test_diagram_writes_one_file_per_category(run, tmp_path):
    """diagram writes a Mermaid file per category, each naming that category's intents."""
    out = tmp_path / "flows"
    assert run("diagram", "--out", str(out)).exit_code == 0
    assert sorted(p.stem for p in out.glob("*.md")) == sorted(CATEGORIES)
    assert "```mermaid" in (out / "storage.md").read_text(encoding="utf-8")


def test_stats_on_empty_database(run, tmp_path):
    """stats on a fresh (migrated, empty) database prints zeros instead of failing."""
    from bot.storage import Store

    Store.open(tmp_path / "s.sqlite3").close()
    result = run("stats", "--db", str(tmp_path / "s.sqlite3"))
    assert result.exit_code == 0 and "Conversations: 0" in result.stdout


def test_stats_refuses_a_mistyped_database_path(run, tmp_path):
    """A --db path that does not exist is an error, not a new empty database with zeros."""
    result = run("stats", "--db", str(tmp_path / "typo.sqlite3"))
    assert result.exit_code != 0 and not (tmp_path / "typo.sqlite3").exists()


def test_stats_shows_the_same_report_as_the_support_chat(run, tmp_path, catalog):
    """`stats` prints exactly what /stats shows operators: the header, then the figures."""
    import time

    from bot.engine.model import Outcome, Session
    from bot.stats import report
    from bot.storage import Store

    path = tmp_path / "s.sqlite3"
    store = Store.open(path)
    now = time.time()
    store.sessions.record(
        "tg:1:0:1", Session(), now=now - 60, user_id=1, text="hi", outcomes=[Outcome("resolved", "x", 0)]
    )
    expected = report(catalog.text("stats_header", days="30"), store.reports, days=30, now=now, ttl=24 * 3600)
    store.close()
    result = run("stats", "--db", str(path))
    assert result.exit_code == 0 and result.stdout == expected + "\n"
    assert "Resolved by the bot: 1 (step 1: 1)" in expected


def test_run_without_token_explains(run):
    """run with no token stops with a message that says what to set."""
    result = run("run")
    assert result.exit_code == 1 and "TELEGRAM_BOT_TOKEN" in result.output


# ---------------------------------------------------------------- documentation

COMMANDS = sorted(cli.commands)


def test_commands_registered():
    """Guards the parametrized tests below against an empty registry."""
    assert {"chat", "classify", "check", "eval", "phrases", "run", "stats"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(run, name):
    """`python -m bot NAME --help` works and shows the command's docstring."""
    result = run(name, "--help")
    assert result.exit_code == 0
    summary = (cli.commands[name].help or "").strip().splitlines()[0]
    assert summary and summary[:40] in " ".join(result.stdout.split())


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_in_readme(name):
    """README.md shows how to run every command as `python -m bot NAME`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"python -m bot {name}" in readme


def test_console_chat_survives_undecodable_and_odd_input(tmp_path):
    """The real console process: invalid UTF-8, control characters, blank and 10,000-character lines, odd commands."""
    import subprocess
    import sys

    lines = [b"hi \xff\xfe bad bytes", b"\x00\x01\x1b[31m", b"", b"   ", b"a" * 10_000, b"/unknowncmd", b"/"]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--memory"],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    out = result.stdout.decode("utf-8", errors="replace")
    assert out.count("you> ") == len(lines)  # every line got a turn
    assert out.rstrip().endswith("bye")


def test_check_honours_bot_intents(tmp_path):
    """BOT_INTENTS chooses the content folder for check (and every command), like it does for run."""
    from click.testing import CliRunner

    from bot.cli import cli

    broken = Path(__file__).resolve().parent / "fixtures" / "unknown_key"
    result = CliRunner().invoke(cli, ["check"], env={"BOT_INTENTS": str(broken)}, obj={})
    assert result.exit_code == 1
    assert "unknown key" in result.output


# ---------------------------------------------------------------- chat --jsonl


def test_chat_jsonl_protocol_drives_a_conversation(run, catalog):
    """--jsonl: a greeting object, then one object per input line; buttons are pressed by their number."""
    lines = [
        json.dumps({"command": "start icloud_full"}),
        json.dumps({"button": 1}),
        "not json",
        json.dumps({"button": 99}),
        json.dumps({"command": "reset"}),
    ]
    result = run("chat", "--jsonl", "--memory", input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0]["question"] == "triage" and out[0]["messages"][0] == catalog.text("greeting")
    assert out[1]["question"] == "slot:ios" and out[1]["messages"][-1] == catalog.questions["ios"].text
    assert out[1]["buttons"] == [o.label for o in catalog.questions["ios"].options]
    assert out[2]["question"] in {"step", "slot:route"} and out[2]["messages"]
    assert out[0]["diagnosis"] is None and out[2]["diagnosis"]["intent"] == "icloud_full"
    assert "error" in out[3] and "error" in out[4]
    assert out[5]["question"] == "triage" and out[5]["buttons"]


@pytest.mark.parametrize("jsonl", [False, True], ids=["chat", "chat --jsonl"])
def test_forget_in_the_console_leaves_nothing(run, tmp_path, catalog, jsonl):
    """/forget in either console chat goes through the desk as on Telegram: the answer is the `forget` text
    and nothing about the conversation is left in the database (another conversation's rows stay)."""
    from bot.storage import Store

    db = str(tmp_path / "c.sqlite3")
    lines = ["icloud storage is full", "/forget"]
    if jsonl:
        lines = [json.dumps({"text": lines[0]}), json.dumps({"command": "forget"})]
    args = ["chat", "--db", db, "--user", "me", *(["--jsonl"] if jsonl else [])]
    assert run("chat", "--db", db, "--user", "other", input="icloud storage is full\n").exit_code == 0
    result = run(*args, input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    if jsonl:
        assert json.loads(result.stdout.splitlines()[-1])["messages"][-1] == catalog.text("forget")
    else:
        assert catalog.text("forget").splitlines()[0] in result.stdout
    store = Store.open(db)
    for table in ("sessions", "turns", "outcomes"):
        assert store.query(f"SELECT COUNT(*) FROM {table} WHERE key = 'console:me'") == [(0,)], table
    assert store.query("SELECT COUNT(*) FROM turns WHERE key = 'console:other'") == [(1,)]
    store.close()


@pytest.mark.parametrize("jsonl", [False, True], ids=["chat", "chat --jsonl"])
def test_an_incident_note_opens_a_console_conversation_it_covers(run, tmp_path, catalog, jsonl):
    """The console shares the bot's database: an active incident's note comes first (without its button: a
    console cannot be told later), then the conversation as usual."""
    from bot.storage import Store

    db = str(tmp_path / "c.sqlite3")
    store = Store.open(db)
    store.incidents.start("storage", "iCloud storage figures are delayed today", time.time())
    store.close()
    note = catalog.text("incident_banner", text="iCloud storage figures are delayed today")
    line = json.dumps({"button": 1}) if jsonl else "1"  # iCloud, not enough storage, iCloud storage is full
    result = run("chat", "--db", db, *(["--jsonl"] if jsonl else []), input=f"{line}\n" * 3)
    assert result.exit_code == 0
    if jsonl:
        reply = json.loads(result.stdout.splitlines()[-1])
        assert reply["messages"][0] == note and catalog.text("incident_subscribe") not in reply["buttons"]
    else:
        assert f"bot> {note}" in result.stdout
