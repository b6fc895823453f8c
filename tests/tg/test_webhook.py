"""Webhook mode: PTB's server enforces the secret token; only genuine updates are processed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.engine.model import Catalog
from bot.storage import Store
from bot.tg.app import ALLOWED_UPDATES, build_application
from tests.tg.conftest import MENU, TOKEN, free_port, joined, settings_for, shared_engine, stop_app
from tests.tg.fake_bot_api import FakeBotApi

SECRET = "s3cret-token_1"
ROOT = Path(__file__).resolve().parents[2]


def _update(update_id: int, user_id: int, text: str) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": text,
            "chat": {"id": user_id, "type": "private", "first_name": "U"},
            "from": {"id": user_id, "is_bot": False, "first_name": "U"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}] if text.startswith("/") else [],
        },
    }


async def test_secret_token_is_enforced(fake: FakeBotApi, db_path, catalog: Catalog) -> None:  # type: ignore[no-untyped-def]
    # Wrong or missing X-Telegram-Bot-Api-Secret-Token: 403 and nothing happens; the right one: answered.
    port = free_port()
    app = build_application(settings_for(fake, db_path), catalog, Store.open(db_path), engine=shared_engine(catalog))
    await app.initialize()
    assert app.updater is not None and app.post_init is not None
    await app.post_init(app)
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url="https://bot.example/hook",
        secret_token=SECRET,
        allowed_updates=ALLOWED_UPDATES,
    )
    await app.start()
    try:
        assert fake.webhook["url"] == "https://bot.example/hook"
        assert fake.webhook["secret_token"] == SECRET
        url = f"http://127.0.0.1:{port}/hook"
        async with httpx.AsyncClient() as client:
            body = json.dumps(_update(1, 41, "/start"))
            headers = {"Content-Type": "application/json"}
            missing = await client.post(url, content=body, headers=headers)
            wrong = await client.post(url, content=body, headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "nope"})
            await asyncio.sleep(0.3)
            assert (missing.status_code, wrong.status_code) == (403, 403)
            assert fake.sent(41) == []
            right = await client.post(url, content=body, headers={**headers, "X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert right.status_code == 200
            texts = await fake.wait_sent_exactly(41, 1)
        assert texts == [joined(catalog.text("greeting"), MENU)]
    finally:
        await stop_app(app)


def test_webhook_process_refuses_big_bodies_unread_and_logs_no_secret(fake: FakeBotApi, tmp_path: Path) -> None:
    # The real `python -m bot run` in webhook mode at DEBUG: a body announced far above Telegram's sizes is
    # refused before it is read (no secret needed for that); a genuine update is answered; the log, which has
    # PTB's setWebhook parameters at DEBUG, never shows the webhook secret or the token.
    port = free_port()
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.api_url,
        "BOT_DB": str(tmp_path / "bot.sqlite3"),
        "WEBHOOK_URL": "https://bot.example/hook",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": SECRET,
        "LOG_LEVEL": "DEBUG",
        "PTB_TIMEDELTA": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not fake.webhook.get("url"):
            assert time.monotonic() < deadline and process.poll() is None, "the webhook was not set"
            time.sleep(0.05)
        time.sleep(0.3)  # setWebhook comes before the server listens only just
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(
                b"POST /hook HTTP/1.1\r\nHost: bot.example\r\nContent-Type: application/json\r\n"
                b"Content-Length: 50000000\r\n\r\n" + b"x" * 65536
            )
            answer = sock.recv(100)  # before the cap: no answer until 50 MB arrived (a timeout here)
        assert answer.startswith(b"HTTP/1.1 400"), answer
        with httpx.Client() as client:
            right = client.post(
                f"http://127.0.0.1:{port}/hook",
                content=json.dumps(_update(1, 43, "/start")),
                headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        assert right.status_code == 200
        deadline = time.monotonic() + 20
        while not fake.sent(43):
            assert time.monotonic() < deadline, "no answer to the genuine update"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    log = out.decode(errors="replace")
    assert process.returncode == 0, log
    assert "setWebhook" in log and "<webhook-secret>" in log  # the parameters were logged, masked
    assert SECRET not in log and TOKEN not in log
