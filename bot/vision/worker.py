"""The worker process that reads images, and the async API the bot awaits: `await Reader.read(data)`.

One process (concurrent.futures.ProcessPoolExecutor(max_workers=1), started with "spawn": the bot's threads
and event loop are not forked) loads the OCR models once and reads one image at a time. The bot's event loop
only awaits a future, so text conversations go on while an image is read; the worker runs at a lower CPU
priority (nice) so they also stay fast on a small machine. Bounded: at most `queue` images wait (more get
"busy" at once), each has a timeout (an alarm inside the worker, then SIGKILL and a fresh worker if it hangs),
and the byte and pixel caps of `Limits` are checked before any pixel is decoded. A crashed worker (out of
memory, a decoder bug) is replaced on the next image.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import FrameType
from typing import Any

from bot.vision import available
from bot.vision.model import Limits, Reading, Unreadable

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # prctl(2)
GRACE = 5.0  # seconds past the timeout before a worker that ignores its alarm is killed
NICE = 10  # the worker's CPU priority below the bot's: text replies first, OCR with what is left
# onnxruntime threads: one leaves a core to the bot's event loop, and measured less CPU per image than two
# (scripts/bench_ocr.py on 2 cores: 1.2 s vs 1.9 s CPU, text reply p99 1.3x vs 1.8x of text alone)
THREADS = 1

# ---------------------------------------------------------------- inside the worker process

_engine: Any = None


def _start(threads: int | None, nice: int, parent: int) -> None:
    """The worker's initializer: die with the bot, lower its priority, then load the models (from rapidocr's
    wheel, offline)."""
    global _engine
    _die_with(parent)
    if nice:
        with contextlib.suppress(OSError):  # refused by a sandbox (systemd's SystemCallFilter): full priority then
            os.nice(nice)
    from bot.vision.ocr import OcrEngine

    _engine = OcrEngine(threads)


def _die_with(parent: int) -> None:
    """Linux: the kernel kills this process when the bot's process ends, even by SIGKILL (no orphan keeps
    half a gigabyte). Elsewhere the worker ends when its pipe to the bot closes."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the bot ended before the call above
        os._exit(1)


_expired = False  # the alarm went off during this image


def _alarm(signum: int, frame: FrameType | None) -> None:
    global _expired
    _expired = True
    raise Unreadable("timeout")


def read_image(data: bytes, limits: Limits) -> Reading:
    """Runs in the worker: bytes -> Reading, or Unreadable. Only redacted text leaves the process."""
    from bot.vision.chrome import content, join
    from bot.vision.decode import decode
    from bot.vision.redact import redact

    global _expired
    _expired = False
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limits.timeout)
    try:
        image = decode(data, limits)
        lines = _engine.lines(image)
    except Exception:
        if _expired:  # RapidOCR wraps what its steps raise (ResizeImgError ...): the alarm's exception too
            raise Unreadable("timeout") from None
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    kept = content(lines, image.height)
    text = redact(join(kept)).strip()
    if not text:
        raise Unreadable("no_text")
    return Reading(
        text=text,
        confidence=round(min(line.score for line in kept), 4),
        lines=tuple(redact(line.text) for line in lines),
        width=image.width,
        height=image.height,
    )


# ---------------------------------------------------------------- in the bot's process


class Reader:
    """Reads images in the worker process; `await read(data)` returns a Reading or raises Unreadable."""

    def __init__(
        self, limits: Limits | None = None, *, queue: int = 4, threads: int | None = THREADS, nice: int = NICE
    ) -> None:
        self.limits = limits or Limits()
        self.queue = queue
        self.threads = threads
        self.nice = nice
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        self.grace = GRACE
        self._waiting = 0
        self._turn = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.read_count = 0

    @property
    def available(self) -> bool:
        """False without the `ocr` extra: then every read is Unreadable("unavailable")."""
        return available()

    @property
    def pid(self) -> int | None:
        return self._pid

    async def start(self) -> None:
        """Start the worker and load the models now (a few seconds), so the first image is read at full speed."""
        if self.available:
            async with self._lock():
                await self._worker()

    async def read(self, data: bytes) -> Reading:
        if not self.available:
            raise Unreadable("unavailable")
        if not data:
            raise Unreadable("empty")
        if len(data) > self.limits.max_bytes:
            raise Unreadable("too_big")
        if self._waiting >= self.queue:
            raise Unreadable("busy")
        self._waiting += 1
        try:
            async with self._lock():  # one image at a time: the timeout counts from the image's own start
                reading: Reading = await self._run(read_image, data, self.limits)
        finally:
            self._waiting -= 1
        self.read_count += 1
        return reading

    def _lock(self) -> asyncio.Lock:
        """The lock of the running event loop (a CLI or a test may run the same Reader in a new loop)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._turn, self._loop = asyncio.Lock(), loop
        return self._turn

    async def _worker(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(self.threads, self.nice, os.getpid()),
            )
            started = time.monotonic()
            try:
                self._pid = await asyncio.get_running_loop().run_in_executor(self._pool, os.getpid)
            except BrokenProcessPool:  # the initializer failed: models or onnxruntime could not be loaded
                self._discard()
                log.error("the OCR worker could not start")
                raise Unreadable("unavailable") from None
            log.info("OCR worker %s ready in %.1f s", self._pid, time.monotonic() - started)
        return self._pool

    async def _run(self, job: Callable[..., Any], *args: Any) -> Any:
        """`job(*args)` in the worker, within the timeout: else the worker is killed and replaced."""
        pool = await self._worker()
        future = asyncio.get_running_loop().run_in_executor(pool, job, *args)
        try:
            return await asyncio.wait_for(future, self.limits.timeout + self.grace)
        except Unreadable:
            raise
        except TimeoutError:
            log.warning("OCR worker %s did not finish an image in time: replacing it", self._pid)
            self._kill()
            raise Unreadable("timeout") from None
        except BrokenProcessPool:
            log.warning("OCR worker %s died: it is replaced on the next image", self._pid)
            self._discard()
            raise Unreadable("failed") from None
        except Exception as exc:  # a bug in a decoder or the OCR: this image fails, the worker goes on
            log.warning("OCR of an image failed: %s", type(exc).__name__)
            raise Unreadable("failed") from None

    def rss(self) -> int | None:
        """The worker's resident memory in bytes (Linux), None when no worker runs."""
        if self._pid is None:
            return None
        try:
            with open(f"/proc/{self._pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def _kill(self) -> None:
        pids: set[int] = set(getattr(self._pool, "_processes", None) or ())  # also a worker still starting
        if self._pid is not None:
            pids.add(self._pid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # it died by itself meanwhile
                os.kill(pid, signal.SIGKILL)
        self._discard()

    def _discard(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool, self._pid = None, None

    def close(self) -> None:
        """Stop the worker at once when it is starting or reading (the image is abandoned: images are never
        kept), else let it end by itself."""
        if self._turn.locked() or (self._pool is not None and self._pid is None):
            self._kill()
        elif self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool, self._pid = None, None
