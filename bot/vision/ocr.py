"""Text lines of an image, with how each looks, from RapidOCR. Runs inside the worker process only.

RapidOCR 3 loads its PP-OCR detection and recognition models from its own wheel (`rapidocr/models/`), so
nothing is downloaded. The angle classifier is off: screenshots are upright. Besides the text, each line's
background and text luminance are measured, so chrome.py can tell a dimmed row or a faint footnote from the
alert itself. Imports rapidocr, onnxruntime (through rapidocr), numpy and Pillow.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from PIL import Image

from bot.vision.model import Line

log = logging.getLogger(__name__)

MIN_SCORE = 0.5  # recognition confidence below this is noise (RapidOCR's own default)
DETECT_SIDE = 1280


class OcrEngine:
    """One RapidOCR instance, loaded once per worker process; `lines(image)` for every image after that."""

    def __init__(self, threads: int | None = None) -> None:
        from rapidocr import RapidOCR

        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.text_score": MIN_SCORE,
            # text is found on the image at its own size up to 1280 px (Telegram's photo size), not enlarged
            # to 736 px on its shorter side as by default: as accurate on screenshots, and faster
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECT_SIDE,
        }
        if threads:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
            params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
        self._ocr = RapidOCR(params=params)
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)

    def lines(self, image: Image.Image) -> list[Line]:
        """Every line of text found, top to bottom, left to right."""
        result: Any = self._ocr(image)
        boxes, texts, scores = result.boxes, result.txts, result.scores
        if boxes is None or texts is None or scores is None:
            return []
        pixels = np.asarray(image, dtype=np.float32)
        found = []
        for points, text, score in zip(boxes, texts, scores, strict=True):
            text = " ".join(str(text).split())
            if not text:
                continue
            xs, ys = points[:, 0], points[:, 1]
            box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
            found.append(Line(text, float(score), box, *looks(pixels, box)))
        return _reading_order(found)


def looks(pixels: Any, box: tuple[int, int, int, int]) -> tuple[float, float, tuple[int, int, int]]:
    """(peak, contrast, colour) of the text in `box`: the background is the box's most common luminance."""
    height, width = pixels.shape[:2]
    left, top, right, bottom = max(box[0], 0), max(box[1], 0), min(box[2], width), min(box[3], height)
    crop = pixels[top:bottom, left:right].reshape(-1, 3)
    if not len(crop):
        return 0.0, 0.0, (0, 0, 0)
    luma = crop @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    background = float(np.median(luma))
    deviation = np.abs(luma - background)
    strong = float(np.percentile(deviation, 97))
    ink = deviation >= max(strong * 0.6, 1.0)
    if not ink.any():
        return background / 255, 0.0, (0, 0, 0)
    text = float(luma[ink].mean())
    r, g, b = (int(c) for c in crop[ink].mean(axis=0))
    return max(background, text) / 255, abs(text - background) / 255, (r, g, b)


def _reading_order(lines: list[Line]) -> list[Line]:
    """Blocks of text (a dialog, a sidebar, a row of buttons) one after the other, each top to bottom.

    Lines belong to one block when they overlap horizontally and the gap between them is under one and a half
    line heights; blocks are read by their top, then their left edge. Reading strictly by rows would mix a
    sidebar's items into the sentence of the dialog beside it.
    """
    parent = list(range(len(lines)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(lines):
        for j in range(i):
            b = lines[j]
            overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
            gap = max(a.box[1], b.box[1]) - min(a.box[3], b.box[3])
            height = max(a.box[3] - a.box[1], b.box[3] - b.box[1])
            if overlap > 0 and gap < 1.5 * height:
                parent[root(i)] = root(j)
    blocks: dict[int, list[Line]] = {}
    for i, line in enumerate(lines):
        blocks.setdefault(root(i), []).append(line)
    ordered = sorted(blocks.values(), key=lambda block: (min(x.box[1] for x in block), min(x.box[0] for x in block)))
    return [line for block in ordered for line in sorted(block, key=lambda x: (x.box[1] + x.box[3], x.box[0]))]
