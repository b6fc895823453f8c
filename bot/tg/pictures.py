"""Pictures on Telegram: which messages carry an image to read, how it is fetched, and "typing" while it is read.

A photo (its largest size) or a document whose type or name says image (PNG, JPEG, HEIC, WebP, GIF, BMP).
The file is downloaded into memory only when the desk asks for it (bot/desk/pictures.py), never to disk.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from telegram import Bot, Message
from telegram.constants import ChatAction
from telegram.error import TelegramError

from bot.tg.delivery import with_retry
from bot.tg.inbound import Inbound
from bot.vision.model import Unreadable

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/heic", "image/heif", "image/webp", "image/gif", "image/bmp"})
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".heic", ".heif", ".webp", ".gif", ".bmp")
TYPING_EVERY = 4.5  # seconds: Telegram shows a chat action for 5 s, or until the bot's next message


@dataclass(frozen=True, slots=True)
class ImageFile:
    file_id: str
    size: int | None


def image_of(message: Message) -> ImageFile | None:
    """The image a message carries, if any: a photo's largest size, or an image sent as a file."""
    if message.photo:
        largest = message.photo[-1]
        return ImageFile(largest.file_id, largest.file_size)
    document = message.document
    if document is None:
        return None
    kind, name = (document.mime_type or "").lower(), (document.file_name or "").lower()
    if kind in IMAGE_TYPES or name.endswith(IMAGE_SUFFIXES):
        return ImageFile(document.file_id, document.file_size)
    return None


def fetcher(bot: Bot, image: ImageFile) -> Callable[[], Awaitable[bytes]]:
    """Downloads the image into memory when called (getFile, then the file), retried like every call."""

    async def fetch() -> bytes:
        try:
            file = await with_retry(partial(bot.get_file, image.file_id), what="getFile")
            return bytes(await with_retry(file.download_as_bytearray, what="download"))
        except TelegramError:
            raise Unreadable("failed") from None

    return fetch


@contextlib.asynccontextmanager
async def typing(bot: Bot, to: Inbound) -> AsyncIterator[None]:
    """Shows "typing..." in the chat until the block ends (the reply is sent)."""

    async def keep_showing() -> None:
        while True:
            with contextlib.suppress(TelegramError):  # a nicety: never a reason to fail the turn
                await bot.send_chat_action(to.chat_id, ChatAction.TYPING, message_thread_id=to.where.thread_id or None)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(keep_showing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
