"""The OCR reads with the network gone: its models come from rapidocr's wheel, nothing is fetched at run time."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot import vision

ROOT = Path(__file__).resolve().parents[2]

if not vision.available():
    pytest.skip("the ocr extra is not installed", allow_module_level=True)

SCRIPT = textwrap.dedent(
    """
    import socket, sys

    def refuse(*args, **kwargs):
        raise OSError("network blocked by the test")

    socket.socket.connect = socket.socket.connect_ex = socket.create_connection = socket.getaddrinfo = refuse
    from PIL import Image, ImageDraw, ImageFont
    from bot.vision.ocr import OcrEngine

    image = Image.new("RGB", (420, 90), (255, 255, 255))
    ImageDraw.Draw(image).text((20, 20), "iPhone Not Backed Up", font=ImageFont.load_default(size=36), fill=(0, 0, 0))
    print(" ".join(line.text for line in OcrEngine().lines(image)))
    """
)


def test_models_load_and_read_with_every_socket_refused():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "iPhone Not Backed Up"
