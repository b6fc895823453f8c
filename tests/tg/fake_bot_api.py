"""A fake Telegram Bot API server on 127.0.0.1 for tests and the benchmark (standard library only).

The bot under test points PTB's `base_url` at `FakeBotApi.api_url`, so PTB's real HTTP stack, parsing,
rate limiter and retries run. The fake records every call, lets a test inject updates (messages, commands,
button presses, media, group and forum messages) and faults (429 with retry_after, 500, 403, a dropped
connection) for the next N calls of a method. Long polling follows Telegram's offset semantics: an offset
confirms every update below it, and getUpdates waits up to `timeout` seconds for a new one.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

BOT_ID = 7000001
BOT_USERNAME = "backup_helper_bot"
STRING_PARAMS = frozenset({"text", "callback_query_id", "url", "secret_token", "caption", "chat_id_str"})
Json = dict[str, Any]


@dataclass
class Call:
    method: str
    params: Json
    status: int  # HTTP status answered (0: connection dropped)
    token: str
    at: float = field(default_factory=time.monotonic)  # when it was answered


@dataclass
class Fault:
    kind: str  # "429", "500", "403", "400", "drop"
    retry_after: int = 1


@dataclass
class _State:
    calls: list[Call] = field(default_factory=list)
    updates: list[Json] = field(default_factory=list)  # not yet confirmed by an offset
    messages: dict[tuple[int, int], Json] = field(default_factory=dict)  # every message, current version
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    admins: set[tuple[int, int]] = field(default_factory=set)
    forums: set[int] = field(default_factory=set)
    dead_tokens: set[str] = field(default_factory=set)
    refused_tokens: set[str] = field(default_factory=set)
    webhook: Json = field(default_factory=dict)
    commands: list[Json] = field(default_factory=list)
    topic_rights_missing: bool = False  # createForumTopic fails as for a bot without Manage Topics
    confirmed: int = 0  # every update id below this was confirmed
    delivered: set[int] = field(default_factory=set)  # update ids handed out by getUpdates at least once
    repeats: list[Json] = field(default_factory=list)  # handed out once more whatever the offset
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> content, for getFile and its download
    downloads: list[str] = field(default_factory=list)  # file paths downloaded, in order


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _mentions(text: str) -> list[Json]:
    """The @mention entities Telegram would attach to `text`."""
    found, position = [], 0
    for word in text.split(" "):
        if word.startswith("@") and len(word) > 1:
            found.append({"type": "mention", "offset": _utf16_len(text[:position]), "length": _utf16_len(word)})
        position += len(word) + 1
    return found


def user(user_id: int, name: str = "") -> Json:
    return {"id": user_id, "is_bot": False, "first_name": name or f"User{user_id}"}


BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Backup Helper", "username": BOT_USERNAME}


class FakeBotApi:
    def __init__(self, token: str = "123:abc") -> None:
        self.token = token
        self._cond = threading.Condition()
        self._s = _State()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._callback_ids = itertools.count(1)
        self._stopping = False
        self._names: dict[int, str] = {}
        self.on_call: Callable[[Call], None] | None = None  # called (in a server thread) after each success
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-bot-api", daemon=True
        )

    # ------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """Where files are downloaded from: PTB's `base_file_url`."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> FakeBotApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # ------------------------------------------------------------ configuration

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` fail: "429" (retry_after), "500", "403", "400" or "drop"."""
        with self._cond:
            self._s.faults.setdefault(method, []).extend(Fault(kind, retry_after) for _ in range(times))

    def clear_faults(self) -> None:
        """Forget every fault not used up yet."""
        with self._cond:
            self._s.faults.clear()

    def make_admin(self, chat_id: int, user_id: int) -> None:
        with self._cond:
            self._s.admins.add((chat_id, user_id))

    def name(self, user_id: int, first_name: str) -> None:
        """The first name `user_id` has in later updates (default "User<id>")."""
        with self._cond:
            self._names[user_id] = first_name

    def make_forum(self, chat_id: int) -> None:
        with self._cond:
            self._s.forums.add(chat_id)

    def deny_topics(self) -> None:
        """createForumTopic fails from now on, as for a bot that is not allowed to manage topics."""
        with self._cond:
            self._s.topic_rights_missing = True

    def kill_token(self, token: str) -> None:
        """Every later request made with `token` has its connection dropped, as if its process had died."""
        with self._cond:
            self._s.dead_tokens.add(token)

    def refuse_token(self, token: str) -> None:
        """Every later request made with `token` is answered 401 Unauthorized, as for a revoked token."""
        with self._cond:
            self._s.refused_tokens.add(token)

    # ------------------------------------------------------------ injecting updates

    def chat(self, chat_id: int, user_id: int | None = None) -> Json:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        chat: Json = {"id": chat_id, "type": "supergroup", "title": f"Group{chat_id}"}
        if chat_id in self._s.forums:
            chat["is_forum"] = True
        return chat

    def _new_message(
        self, chat_id: int, sender: Json, *, thread_id: int | None = None, reply_to: int | None = None, **content: Any
    ) -> Json:
        message: Json = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat(chat_id),
            "from": sender,
            **content,
        }
        if thread_id:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
            if reply_to is None:  # Telegram: a topic message replies to the topic's creation message
                message["reply_to_message"] = {
                    "message_id": thread_id,
                    "date": int(time.time()),
                    "chat": self.chat(chat_id),
                    "from": user(1),
                    "message_thread_id": thread_id,
                    "is_topic_message": True,
                    "forum_topic_created": {"name": "Topic", "icon_color": 7322096},
                }
        if reply_to is not None:
            original = self._s.messages.get((chat_id, reply_to))
            if original is not None:
                message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
        self._s.messages[(chat_id, message["message_id"])] = message
        return message

    def _queue(self, **payload: Any) -> Json:
        update = {"update_id": next(self._update_ids), **payload}
        self._s.updates.append(update)
        self._cond.notify_all()
        return update

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
        edited: bool = False,
    ) -> Json:
        """A person sends `text` (commands and @mentions get their entities); returns the update."""
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(text.split()[0])})
        position = 0
        for word in text.split(" "):
            if word.startswith("@") and len(word) > 1:
                entities.append({"type": "mention", "offset": _utf16_len(text[:position]), "length": _utf16_len(word)})
            position += len(word) + 1
        content: Json = {"text": text}
        if entities:
            content["entities"] = entities
        with self._cond:
            message = self._new_message(
                chat_id or user_id,
                user(user_id, self._names.get(user_id, "")),
                thread_id=thread_id,
                reply_to=reply_to,
                **content,
            )
            if edited:
                message["edit_date"] = int(time.time())
                return self._queue(edited_message=message)
            return self._queue(message=message)

    def send_media(
        self,
        user_id: int,
        kind: str,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """A photo, sticker, voice, document or location."""
        file = {"file_id": "f1", "file_unique_id": "u1"}
        content: Json = {
            "photo": {"photo": [{**file, "width": 10, "height": 10}]},
            "sticker": {
                "sticker": {
                    **file,
                    "width": 10,
                    "height": 10,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            "voice": {"voice": {**file, "duration": 2}},
            "document": {"document": {**file, "file_name": "log.txt"}},
            "location": {"location": {"latitude": 52.5, "longitude": 13.4}},
        }[kind]
        if caption is not None:
            content["caption"] = caption
        with self._cond:
            message = self._new_message(
                chat_id or user_id,
                user(user_id, self._names.get(user_id, "")),
                thread_id=thread_id,
                reply_to=reply_to,
                **content,
            )
            return self._queue(message=message)

    def add_file(self, data: bytes, suffix: str = "jpg") -> Json:
        """Store a file as Telegram would: its File object (getFile answers it, and serves its download)."""
        with self._cond:
            number = len(self._s.files) + 1
            file_id = f"file{number}"
            self._s.files[file_id] = data
        return {"file_id": file_id, "file_unique_id": f"unique{number}", "file_size": len(data), "suffix": suffix}

    def send_photo(
        self,
        user_id: int,
        data: bytes,
        *,
        width: int = 1280,
        height: int = 960,
        chat_id: int | None = None,
        caption: str | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """A photo as Telegram sends one: a thumbnail and the full size, both served by getFile."""
        thumb, full = self.add_file(data[:64]), self.add_file(data)
        sizes = [
            {k: v for k, v in thumb.items() if k != "suffix"} | {"width": 90, "height": 68},
            {k: v for k, v in full.items() if k != "suffix"} | {"width": width, "height": height},
        ]
        return self._media(user_id, {"photo": sizes}, chat_id, caption, thread_id, reply_to)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> Json:
        """A file sent as a document (an image sent uncompressed, a PDF ...)."""
        stored = self.add_file(data, file_name.rpartition(".")[2] or "bin")
        document = {k: v for k, v in stored.items() if k != "suffix"} | {"file_name": file_name, "mime_type": mime_type}
        return self._media(user_id, {"document": document}, chat_id, caption, thread_id, reply_to)

    def _media(
        self,
        user_id: int,
        content: Json,
        chat_id: int | None,
        caption: str | None,
        thread_id: int | None,
        reply_to: int | None,
    ) -> Json:
        if caption is not None:
            content["caption"] = caption
            mentions = _mentions(caption)
            if mentions:
                content["caption_entities"] = mentions
        with self._cond:
            message = self._new_message(
                chat_id or user_id,
                user(user_id, self._names.get(user_id, "")),
                thread_id=thread_id,
                reply_to=reply_to,
                **content,
            )
            return self._queue(message=message)

    def downloads(self) -> list[str]:
        """File paths the bot downloaded, in order."""
        with self._cond:
            return list(self._s.downloads)

    def _download(self, token: str, path: str) -> bytes | None:
        file_id = path.rpartition("/")[2].partition(".")[0]
        with self._cond:
            if token != self.token or token in self._s.dead_tokens or file_id not in self._s.files:
                return None
            self._s.downloads.append(path)
            return self._s.files[file_id]

    def press(self, user_id: int, message: Json, data: str, *, quote: bool = True) -> Json:
        """`user_id` presses the button with callback `data` under the bot's `message` (as it is now);
        `quote=False`: the pressed message comes without `reply_to_message` (the member deleted theirs, or a
        client or server leaves it out)."""
        with self._cond:
            current = self._s.messages.get((message["chat"]["id"], message["message_id"]), message)
            if not quote:
                current = {k: v for k, v in current.items() if k != "reply_to_message"}
            query = {
                "id": str(next(self._callback_ids)),
                "from": user(user_id, self._names.get(user_id, "")),
                "message": current,
                "chat_instance": "ci",
                "data": data,
            }
            return self._queue(callback_query=query)

    def press_label(self, user_id: int, chat_id: int, label: str) -> Json:
        """Press the button labelled `label` on the newest bot message in `chat_id` that shows it."""
        for message in reversed(self.bot_messages(chat_id)):
            for row in message.get("reply_markup", {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return self.press(user_id, message, button["callback_data"])
        raise AssertionError(f"no button {label!r} in chat {chat_id}: {self.texts(chat_id)}")

    def press_any(self, user_id: int, chat_id: int, *labels: str) -> str:
        """Press the first of `labels` that a keyboard still shows (newest first); return it. A fix step offers
        "No, still failing", a check step "Done, next step": tests that only move on accept either."""
        shown = {
            button["text"]
            for message in self.bot_messages(chat_id)
            for row in message.get("reply_markup", {}).get("inline_keyboard", [])
            for button in row
        }
        for label in labels:
            if label in shown:
                self.press_label(user_id, chat_id, label)
                return label
        raise AssertionError(f"none of {labels!r} in chat {chat_id}: {self.texts(chat_id)}")

    def send_raw(self, **payload: Any) -> Json:
        """An update with exactly this content besides its id (for updates PTB cannot parse)."""
        with self._cond:
            return self._queue(**payload)

    def redeliver(self, update: Json) -> None:
        """Queue an update again with the same update_id (Telegram repeats one it thinks was not received)."""
        with self._cond:
            self._s.repeats.append(update)
            self._cond.notify_all()

    def next_update_id(self) -> int:
        """The id the next injected update will get (without using it up)."""
        with self._cond:
            value = next(self._update_ids)
            self._update_ids = itertools.count(value)
            return value

    # ------------------------------------------------------------ reading what the bot did

    def calls(self, method: str | None = None, *, ok_only: bool = True) -> list[Call]:
        with self._cond:
            return [
                c for c in self._s.calls if (method is None or c.method == method) and (not ok_only or c.status == 200)
            ]

    def bot_messages(self, chat_id: int) -> list[Json]:
        """The bot's messages in a chat, oldest first, as they are now (after edits)."""
        with self._cond:
            return [m for (c, _), m in sorted(self._s.messages.items()) if c == chat_id and m["from"]["id"] == BOT_ID]

    def texts(self, chat_id: int) -> list[str]:
        return [m.get("text", "") for m in self.bot_messages(chat_id)]

    def sent(self, chat_id: int | None = None) -> list[Json]:
        """Parameters of every successful sendMessage (to `chat_id`), in order."""
        return [c.params for c in self.calls("sendMessage") if chat_id is None or c.params["chat_id"] == chat_id]

    @property
    def confirmed(self) -> int:
        with self._cond:
            return self._s.confirmed

    @property
    def pending_updates(self) -> int:
        with self._cond:
            return len(self._s.updates)

    @property
    def webhook(self) -> Json:
        with self._cond:
            return dict(self._s.webhook)

    @property
    def commands(self) -> list[Json]:
        with self._cond:
            return list(self._s.commands)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}")
            await asyncio.sleep(0.01)

    async def wait_sent(self, chat_id: int, count: int, timeout: float = 10.0) -> list[str]:
        """Wait until `count` messages were sent to `chat_id` in total; return every text sent there."""
        await self.wait_for(lambda: len(self.sent(chat_id)) >= count, timeout, f"{count} messages in chat {chat_id}")
        return [p["text"] for p in self.sent(chat_id)]

    async def wait_sent_exactly(self, chat_id: int, count: int, timeout: float = 10.0, quiet: float = 0.2) -> list[str]:
        """Like wait_sent, then check that nothing more arrives for `quiet` seconds: exactly `count` were sent."""
        await self.wait_sent(chat_id, count, timeout)
        await asyncio.sleep(quiet)
        texts = [p["text"] for p in self.sent(chat_id)]
        assert len(texts) == count, f"expected {count} messages in chat {chat_id}, got {len(texts)}: {texts}"
        return texts

    # ------------------------------------------------------------ the API

    def _api(self, method: str, params: Json) -> Json | list[Any] | bool:
        s = self._s
        if method == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method in ("deleteWebhook", "close", "logOut"):
            s.webhook = {}
            return True
        if method == "setWebhook":
            s.webhook = dict(params)
            return True
        if method == "getWebhookInfo":
            return {"url": s.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": 0}
        if method == "setMyCommands":
            s.commands = list(params.get("commands", []))
            return True
        if method in ("deleteMyCommands", "answerCallbackQuery", "sendChatAction"):
            return True
        if method == "getFile":
            file_id = str(params.get("file_id", ""))
            if file_id not in s.files:
                raise _ApiError(400, "Bad Request: invalid file_id")
            size = len(s.files[file_id])
            return {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": size,
                "file_path": f"files/{file_id}.bin",
            }
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            content: Json = {"text": params["text"]}
            if "reply_markup" in params:
                content["reply_markup"] = params["reply_markup"]
            if "entities" in params:
                content["entities"] = params["entities"]
            reply_to = (params.get("reply_parameters") or {}).get("message_id")
            return self._new_message(
                chat_id, BOT_USER, thread_id=params.get("message_thread_id"), reply_to=reply_to, **content
            )
        if method in ("editMessageText", "editMessageReplyMarkup"):
            key = (int(params["chat_id"]), int(params["message_id"]))
            if key not in s.messages:
                raise _ApiError(400, "Bad Request: message to edit not found")
            message = dict(s.messages[key])
            if method == "editMessageText":
                message["text"] = params["text"]
            message.pop("reply_markup", None)
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            message["edit_date"] = int(time.time())
            s.messages[key] = message
            return message
        if method == "getChat":
            chat_id = int(params["chat_id"])
            kinds = ("unlimited_gifts", "limited_gifts", "unique_gifts", "gifts_from_channels")
            return {
                **self.chat(chat_id),
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {**dict.fromkeys(kinds, False), "premium_subscription": False},
            }
        if method == "createForumTopic":
            chat_id = int(params["chat_id"])
            if chat_id not in s.forums:
                raise _ApiError(400, "Bad Request: the chat is not a forum")
            if self._s.topic_rights_missing:
                raise _ApiError(400, "Bad Request: not enough rights to create a topic")
            topic: Json = {"name": params["name"], "icon_color": 7322096}
            created = self._new_message(chat_id, BOT_USER, forum_topic_created=topic)
            created["message_thread_id"] = created["message_id"]
            return {**topic, "message_thread_id": created["message_id"]}
        if method == "getChatMember":
            chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
            if (chat_id, user_id) in s.admins:
                return {"status": "creator", "user": user(user_id), "is_anonymous": False}
            return {"status": "member", "user": user(user_id)}
        raise _ApiError(404, "Not Found: method not found")

    def _get_updates(self, params: Json) -> list[Json]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self._cond:
            if offset:
                self._s.confirmed = max(self._s.confirmed, offset)
            floor = max(offset, self._s.confirmed)
            self._s.updates = [u for u in self._s.updates if u["update_id"] >= self._s.confirmed]
            while True:
                ready = [u for u in self._s.updates if u["update_id"] >= floor][:limit]
                if self._s.repeats:
                    ready, self._s.repeats = [*self._s.repeats, *ready], []
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._stopping:
                    self._s.delivered.update(u["update_id"] for u in ready)
                    return ready
                self._cond.wait(remaining)

    def _handle(self, token: str, method: str, params: Json) -> tuple[int, Json | None]:
        """(HTTP status, body); body None drops the connection."""
        with self._cond:
            dead = token in self._s.dead_tokens
            if token in self._s.refused_tokens:
                self._s.calls.append(Call(method, params, 401, token))
                return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
            faults = self._s.faults.get(method)
            fault = faults.pop(0) if faults else None
        if dead or (fault and fault.kind == "drop"):
            self._record(method, params, 0, token)
            return 0, None
        if fault:
            status = int(fault.kind)
            body: Json = {
                "ok": False,
                "error_code": status,
                "description": {
                    429: f"Too Many Requests: retry after {fault.retry_after}",
                    500: "Internal Server Error",
                    403: "Forbidden: bot was blocked by the user",
                    400: "Bad Request: chat not found",
                }[status],
            }
            if status == 429:
                body["parameters"] = {"retry_after": fault.retry_after}
            self._record(method, params, status, token)
            return status, body
        if method == "getUpdates":
            result: Any = self._get_updates(params)
            self._record(method, params, 200, token)
            return 200, {"ok": True, "result": result}
        with self._cond:
            try:
                result = self._api(method, params)
            except _ApiError as exc:
                self._s.calls.append(Call(method, params, exc.status, token))
                return exc.status, {"ok": False, "error_code": exc.status, "description": exc.description}
            call = Call(method, params, 200, token)
            self._s.calls.append(call)
            self._cond.notify_all()
        if self.on_call is not None:
            self.on_call(call)
        return 200, {"ok": True, "result": result}

    def _record(self, method: str, params: Json, status: int, token: str) -> None:
        with self._cond:
            self._s.calls.append(Call(method, params, status, token))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

            def do_GET(self) -> None:
                if self.path.startswith("/file/bot"):  # a download: /file/bot<token>/<file_path>
                    token, _, path = unquote(self.path.removeprefix("/file/bot")).partition("/")
                    data = fake._download(token, path)
                    self.send_response(200 if data is not None else 404)
                    self.send_header("Content-Length", str(len(data or b"")))
                    self.end_headers()
                    self.wfile.write(data or b"")
                    return
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                _, _, rest = self.path.partition("/bot")
                token, _, method = rest.partition("/")
                status, body = fake._handle(token, method, _parse(raw, self.headers.get("Content-Type", "")))
                if body is None:
                    self.close_connection = True
                    return
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (a cancelled long poll): fine

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default backlog of 5 refuses connections when 50 chats talk at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a killed bot, a cancelled long poll) is normal here."""


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status = status
        self.description = description


def _parse(raw: bytes, content_type: str) -> Json:
    if not raw:
        return {}
    if "json" in content_type:
        loaded: Json = json.loads(raw)
        return loaded
    params: Json = {}
    for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
        if key in STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params
