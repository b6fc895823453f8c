"""Command line: `python -m bot COMMAND`. A command's docstring is its --help.

Wires settings, content, engine, store and desk together; the Telegram adapter is imported only by `run`.
Both console chats run their turns through the desk (`Conversations.handle`), as Telegram does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import click

from bot.config import DEFAULT_INTENTS, Settings, SettingsError
from bot.console import console_event, console_reply, jsonl_event, jsonl_reply, render_console
from bot.desk.continuation import Continuation
from bot.desk.incidents import IncidentDesk
from bot.desk.ports import Where
from bot.desk.turn import Conversations
from bot.engine.content import ContentError, load_catalog
from bot.engine.machine import Engine
from bot.engine.matcher import Matcher
from bot.engine.model import CATEGORIES, Catalog
from bot.storage import Store

LABELS = (*CATEGORIES, "general", "none")


def _catalog(intents: Path) -> Catalog:
    try:
        return load_catalog(intents)
    except ContentError as exc:
        click.echo(f"Invalid content in {intents}: {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from None


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _read_lines(stream: Any) -> list[str]:
    """Lines of a byte stream, decoded leniently: invalid UTF-8 becomes U+FFFD instead of an error."""
    data = stream.read()
    text: str = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    # split at newlines only: str.splitlines() also breaks at form feeds, \x1c-\x1e, U+2028 ... inside a line
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


@click.group(invoke_without_command=True)
@click.option("--intents", type=click.Path(path_type=Path), default=None, help="Content folder (default: intents/).")
@click.pass_context
def cli(ctx: click.Context, intents: Path | None) -> None:
    """iPhone backup troubleshooting bot.

    Without a command: runs the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise the console chat.
    """
    ctx.ensure_object(dict)
    ctx.obj["intents"] = intents
    if ctx.invoked_subcommand is None:
        settings = _settings()
        if settings.token:
            ctx.invoke(run)
        else:
            click.echo("No TELEGRAM_BOT_TOKEN set: starting the console chat (Ctrl-D to quit).", err=True)
            ctx.invoke(chat)


def _intents_dir(ctx: click.Context, settings: Settings | None = None) -> Path:
    """--intents, else BOT_INTENTS, else intents/ (every command reads content from the same place)."""
    chosen = ctx.obj.get("intents") if ctx.obj else None
    if chosen:
        return Path(chosen)
    if settings is None:
        try:
            settings = Settings.from_env()
        except SettingsError:  # an unrelated bad setting must not hide the content folder
            return DEFAULT_INTENTS
    return settings.intents_dir


@cli.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate the content in intents/ and report every problem with its place; exit 1 on problems."""
    folder = _intents_dir(ctx)
    catalog = _catalog(folder)
    causes = [i for i in catalog.intents.values() if i.kind == "cause"]
    phrases = sum(len(i.phrases) for i in catalog.intents.values())
    click.echo(
        f"OK: {len(catalog.intents)} intents ({len(causes)} with fix steps), {phrases} phrases, "
        f"{len(catalog.triage)} triage nodes in {folder}"
    )


# ---------------------------------------------------------------- console chat


@cli.command()
@click.option("--user", default="console", show_default=True, help="Conversation key (one per person).")
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=None,
    help="SQLite file (default: BOT_DB or data/bot.sqlite3).",
)
@click.option("--memory", is_flag=True, help="Keep nothing: use an in-memory database.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Machine-readable: one JSON object a line in and out.")
@click.pass_context
def chat(ctx: click.Context, user: str, db_path: Path | None, memory: bool, as_jsonl: bool) -> None:
    """Talk to the bot in the terminal. Type the option number or the words; /reset, /help; Ctrl-D quits.

    Uses the same engine and database as the Telegram bot, so a conversation continues across runs.
    With --jsonl, each input line is {"text": ...}, {"button": N} (the N-th option, from 1) or
    {"command": "reset"}; each reply is {"messages": [...], "buttons": [labels], "question": kind or null}.
    """
    if as_jsonl:
        ctx.invoke(chat_jsonl, user=user, db_path=db_path, memory=memory)
        return
    desk = _console_desk(ctx, db_path, memory)
    where = Where(f"console:{user}")
    out = sys.stdout
    with asyncio.Runner() as runner:
        last = runner.run(desk.open(where, time.time())).reply
        render_console(last, out)
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="replace")  # undecodable bytes become U+FFFD, never an exception
        for line in sys.stdin:
            event = console_event(line.rstrip("\n"), last)
            last = console_reply(runner.run(desk.handle(where, event, time.time())))
            out.write(f"you> {line.rstrip()}\n")
            render_console(last, out)
            out.flush()
    out.write("bye\n")
    desk.storage.close()


def _console_desk(ctx: click.Context, db_path: Path | None, memory: bool) -> Conversations:
    """The desk of a console chat: the same engine and database as the Telegram bot, no operator chat."""
    settings = _settings()
    engine = Engine(_catalog(_intents_dir(ctx, settings)), ttl_seconds=settings.session_ttl_hours * 3600)
    store = Store.memory() if memory else Store.open(db_path or settings.db_path)
    links = Continuation(engine, store.sessions, store.links)
    return Conversations(engine, store, links=links, incidents=IncidentDesk(engine.catalog, store.incidents))


@click.command(hidden=True)
@click.option("--user", default="console")
@click.option("--db", "db_path", type=click.Path(path_type=Path), default=None)
@click.option("--memory", is_flag=True)
@click.pass_context
def chat_jsonl(ctx: click.Context, user: str, db_path: Path | None, memory: bool) -> None:
    """The console chat as a protocol: one JSON object a line in, one a reply out."""
    desk = _console_desk(ctx, db_path, memory)
    where = Where(f"console:{user}")
    with asyncio.Runner() as runner:
        turn = runner.run(desk.open(where, time.time()))
        click.echo(jsonl_reply(turn))
        sys.stdout.flush()
        for raw in sys.stdin.buffer:  # line by line, so a front-end can read each reply before it answers
            line = raw.decode("utf-8", errors="replace").rstrip("\n").removesuffix("\r")
            if not line.strip():
                continue
            event = jsonl_event(line, turn.reply)
            if isinstance(event, str):
                click.echo(json.dumps({"error": event}))
                continue
            turn = runner.run(desk.handle(where, event, time.time()))
            click.echo(jsonl_reply(turn))
            sys.stdout.flush()
    desk.storage.close()


# ---------------------------------------------------------------- understanding


@cli.command()
@click.pass_context
def classify(ctx: click.Context) -> None:
    """Read one message per line on stdin; print one JSON object per line: text, intent, category, score.

    category is storage, network, software, account, hardware, encryption, general (a backup problem with no
    cause yet) or none (anything the bot does not handle, greetings included).
    """
    matcher = Matcher.from_catalog(_catalog(_intents_dir(ctx)))
    for line in _read_lines(sys.stdin.buffer):
        match = matcher.match(line)
        click.echo(
            json.dumps(
                {
                    "text": line,
                    "intent": match.intent,
                    "category": match.category,
                    "score": round(match.score, 4),
                },
                ensure_ascii=False,
            )
        )


@cli.command()
@click.pass_context
def phrases(ctx: click.Context) -> None:
    """Print every example phrase of the catalog as JSONL: text, intent, category."""
    catalog = _catalog(_intents_dir(ctx))
    for intent in catalog.intents.values():
        for text in intent.phrases:
            click.echo(json.dumps({"text": text, "intent": intent.id, "category": intent.category}, ensure_ascii=False))


def evaluate(matcher: Matcher, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy of `matcher` on labelled rows (text, category, optional alt)."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    misses = []
    for row in rows:
        gold = "none" if row["category"] == "out_of_scope" else row["category"]
        accepted = {gold, *("none" if a == "out_of_scope" else a for a in row.get("alt", []))}
        match = matcher.match(row["text"])
        ok = match.category in accepted
        per[gold][0] += ok
        per[gold][1] += 1
        confusion[gold][match.category if not ok else gold] += 1
        if not ok:
            misses.append(
                {
                    "text": row["text"],
                    "expected": gold,
                    "got": match.category,
                    "intent": match.intent,
                    "score": round(match.score, 3),
                }
            )
    correct = sum(c for c, _ in per.values())
    total = sum(n for _, n in per.values())
    return {
        "total": total,
        "accuracy": correct / total if total else 0.0,
        "per_category": {k: v[0] / v[1] for k, v in sorted(per.items())},
        "counts": {k: v[1] for k, v in sorted(per.items())},
        "out_of_scope_rejected": per["none"][0] / per["none"][1] if per["none"][1] else None,
        "confusion": {k: dict(v) for k, v in confusion.items()},
        "misses": misses,
    }


@cli.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--misses", "show_misses", is_flag=True, help="List every misclassified message.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.option("--min-accuracy", type=float, default=None, help="Exit 1 when overall accuracy is lower.")
@click.pass_context
def eval_command(ctx: click.Context, file: Path, show_misses: bool, as_json: bool, min_accuracy: float | None) -> None:
    """Score the classifier on a labelled JSONL file (text, category, optional alt).

    Prints overall and per-category accuracy, the share of out-of-scope messages rejected and a confusion
    matrix (rows: expected, columns: predicted).
    """
    matcher = Matcher.from_catalog(_catalog(_intents_dir(ctx)))
    rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = evaluate(matcher, rows)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(f"messages: {result['total']}  accuracy: {result['accuracy']:.1%}")
        if result["out_of_scope_rejected"] is not None:
            click.echo(f"out of scope rejected: {result['out_of_scope_rejected']:.1%}")
        for cat, acc in result["per_category"].items():
            click.echo(f"  {cat:<11} {acc:6.1%}  ({result['counts'][cat]})")
        cols = [c for c in LABELS if any(c in row for row in result["confusion"].values())]
        click.echo("\nconfusion (rows expected, columns predicted):")
        click.echo(" " * 12 + "".join(f"{c[:8]:>9}" for c in cols))
        for gold in LABELS:
            if gold in result["confusion"]:
                row = result["confusion"][gold]
                click.echo(f"{gold:<12}" + "".join(f"{row.get(c, 0):>9}" for c in cols))
        if show_misses:
            click.echo("\nmisses:")
            for miss in result["misses"]:
                click.echo(f"  [{miss['expected']} -> {miss['got']} {miss['intent']} {miss['score']}] {miss['text']}")
    if min_accuracy is not None and result["accuracy"] < min_accuracy:
        raise SystemExit(1)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("docs/flows"), show_default=True)
@click.pass_context
def diagram(ctx: click.Context, out_dir: Path) -> None:
    """Write one Mermaid flow diagram per category (docs/flows/CATEGORY.md), generated from the content."""
    from bot.engine.diagram import category_diagram

    catalog = _catalog(_intents_dir(ctx))
    out_dir.mkdir(parents=True, exist_ok=True)
    for category in CATEGORIES:
        path = out_dir / f"{category}.md"
        path.write_text(category_diagram(catalog, category), encoding="utf-8")
        click.echo(f"wrote {path}")


@cli.command()
@click.option(
    "--db",
    "db_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file (default: BOT_DB or data/bot.sqlite3).",
)
@click.option("--days", type=int, default=30, show_default=True, help="Look back this many days.")
@click.pass_context
def stats(ctx: click.Context, db_path: Path | None, days: int) -> None:
    """Conversations and their outcomes, resolution rates per intent and per step, frequent unmatched
    messages, handoffs: the same report as /stats in the support chat."""
    from bot.stats import report

    settings = _settings()
    catalog = _catalog(_intents_dir(ctx, settings))
    store = Store.open(db_path or settings.db_path)
    ttl = settings.session_ttl_hours * 3600
    header = catalog.text("stats_header", days=str(days))
    click.echo(report(header, store.reports, days=days, now=time.time(), ttl=ttl))


@cli.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Run the Telegram bot (polling, or a webhook when WEBHOOK_URL is set). Needs TELEGRAM_BOT_TOKEN."""
    settings = _settings()
    if not settings.token:
        raise click.ClickException(
            "TELEGRAM_BOT_TOKEN is not set. Put it in the environment or in .env "
            "(get one from @BotFather), or run `python -m bot chat` for the console."
        )
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from bot.tg.app import StartupError, run_bot

    try:
        run_bot(settings, _catalog(_intents_dir(ctx, settings)))
    except StartupError as exc:  # one masked line, exit 1: never a traceback with the token in it
        raise click.ClickException(str(exc)) from None


def main() -> None:
    cli(obj={})


@cli.command("read-image")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
def read_image(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Read screenshots (PNG, JPEG, HEIC ...) and diagnose them; one JSON object a line, in order:
    file, text (redacted, without the screen's chrome), intent, category, score; or file, error.
    Needs the `ocr` extra (pip install '.[ocr]').
    """
    from bot import vision
    from bot.vision.files import read_files

    if not vision.available():
        raise click.ClickException("reading images needs the ocr extra: pip install '.[ocr]'")
    matcher = Matcher.from_catalog(_catalog(_intents_dir(ctx)))

    def diagnose(text: str) -> tuple[str | None, str, float]:
        match = matcher.match(text)
        return match.intent, match.category, match.score

    for row in read_files(files, diagnose):
        click.echo(json.dumps(row, ensure_ascii=False))
