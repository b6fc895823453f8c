"""`python -m bot read-image` as a person runs it: screenshots, junk and a missing file, one JSON line each, in order,
exit 0; without the ocr extra a one-line explanation and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import vision

ROOT = Path(__file__).resolve().parents[2]
NO_OCR = "import sys; sys.modules['rapidocr'] = None; from bot.cli import main; sys.argv[0] = 'bot'; main()"


@pytest.mark.skipif(not vision.available(), reason="the ocr extra is not installed")
def test_read_image_prints_one_line_per_file_in_order(tmp_path: Path):
    from tests.vision.screens import screens, telegram_photo

    screen = screens()[0]
    files = {
        "alert.jpg": telegram_photo(screen.image, screen.crop),
        "empty.png": b"",
        "random.png": os.urandom(3000),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    argv = [*(str(tmp_path / name) for name in files), str(tmp_path / "missing.png")]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "read-image", *argv], cwd=ROOT, capture_output=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [row["file"] for row in rows] == argv
    alert, empty, random, missing = rows
    assert set(alert) == {"file", "text", "intent", "category", "score"}
    assert (alert["intent"], alert["category"]) == (screen.intent, "storage")
    assert "not enough iCloud storage" in alert["text"]
    assert empty == {"file": argv[1], "error": "empty file"}
    assert set(random) == {"file", "error"} and "not a readable image" in random["error"]
    assert set(missing) == {"file", "error"} and "No such file" in missing["error"]


def test_without_the_ocr_extra_read_image_says_what_to_install(tmp_path: Path):
    (tmp_path / "a.png").write_bytes(b"\x89PNG")
    result = subprocess.run(
        [sys.executable, "-c", NO_OCR, "read-image", str(tmp_path / "a.png")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert "ocr extra" in result.stderr and "pip install" in result.stderr
