"""Webhook mode: PTB's server enforces the secret token; only genuine updates are processed."""

from __future__ import annotations

import asyncio
import json

import httpx

from bot.engine.model import Catalog
from bot.storage import Store
from bot.tg.app import ALLOWED_UPDATES, build_application
from tests.tg.conftest import MENU, free_port, joined, settings_for, shared_engine, stop_app
from tests.tg.fake_bot_api import FakeBotApi

SECRET = "s3cret-token_1"


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
