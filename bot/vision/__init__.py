"""Reading screenshots: an image's bytes -> the person's words, offline, in one worker process.

decode.py   bytes -> a checked RGB image (byte and pixel caps, Pillow's decompression-bomb guard)
ocr.py      RapidOCR (PP-OCR models shipped in its wheel, onnxruntime) -> text lines with their looks
chrome.py   drops the screen's chrome (status bar, button labels, dimmed and faint rows) -> the words
redact.py   e-mail addresses (Apple IDs), phone numbers and device names never leave the worker
worker.py   one process, a bounded queue, a per-image timeout; `await Reader.read(data)` never blocks the loop
files.py    `python -m bot read-image FILE...`
Nothing here imports telegram, the engine or storage; rapidocr, onnxruntime and Pillow (the optional `ocr` extra)
are imported only inside the worker process, never by the bot's own process.
"""

from __future__ import annotations

import importlib.util

OCR_MODULES = ("rapidocr", "onnxruntime", "PIL")


def available() -> bool:
    """True when the `ocr` extra is installed (checked without importing it)."""
    for name in OCR_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                return False
        except (ImportError, ValueError):  # ValueError: sys.modules[name] is None (made unavailable)
            return False
    return True
