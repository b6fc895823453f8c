"""Decoding with the caps: junk and hostile files are refused before any pixel is decoded; real images come out
upright, RGB and no larger than the cap. Pillow only (no OCR)."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest

pytest.importorskip("PIL")
from PIL import Image

from bot.vision.decode import decode
from bot.vision.model import Limits, Unreadable

LIMITS = Limits()


def encoded(image: Image.Image, format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format, **options)
    return out.getvalue()


def png_of_size(width: int, height: int) -> bytes:
    """A real 1-bit PNG of any size, written row by row: 20000x20000 costs 50 kB, not 400 MB."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, row = zlib.compressobj(9), b"\0" * (1 + (width + 7) // 8)
    rows = [packer.compress(row) for _ in range(height)]
    body = b"".join(rows) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def reason(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(Unreadable) as caught:
        decode(data, limits)
    return caught.value.reason


def test_an_empty_file():
    assert reason(b"") == "empty"


def test_random_bytes_and_other_formats_are_no_image():
    assert reason(os.urandom(4096)) == "not_image"
    assert reason(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n") == "not_image"
    assert reason(encoded(Image.new("RGB", (64, 64)), "TIFF")) == "not_image"  # a format no screenshot comes in


def test_a_truncated_jpeg_is_no_image():
    data = encoded(Image.effect_noise((400, 300), 60).convert("RGB"), "JPEG")
    assert reason(data[: len(data) // 2]) == "not_image"


def test_a_20000_by_20000_image_is_refused_from_its_header():
    """Pillow's decompression-bomb guard (twice MAX_IMAGE_PIXELS) refuses it before decoding: fast, no memory."""
    data = png_of_size(20000, 20000)
    started = time.monotonic()
    assert reason(data) == "too_big"
    assert time.monotonic() - started < 1.0


def test_just_over_the_pixel_cap_is_refused_too():
    """Between the cap and twice it Pillow only warns: the warning counts as a refusal."""
    assert reason(png_of_size(1000, 1001), Limits(max_pixels=1_000_000)) == "too_big"
    assert decode(png_of_size(1000, 1000), Limits(max_pixels=1_000_000)).size == (1000, 1000)


def test_over_the_byte_cap():
    assert reason(b"\x89PNG" + b"\0" * 2000, Limits(max_bytes=1000)) == "too_big"


def test_a_large_image_is_scaled_down_to_the_side_cap():
    image = decode(encoded(Image.new("RGB", (4000, 3000), (255, 255, 255)), "JPEG"), Limits(max_side=1000))
    assert image.size == (1000, 750) and image.mode == "RGB"


def test_exif_orientation_is_applied():
    """A photo of a screen taken in portrait but stored landscape with an Orientation tag comes out upright."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    image = decode(encoded(Image.new("RGB", (300, 200)), "JPEG", exif=exif.tobytes()), LIMITS)
    assert image.size == (200, 300)


def test_transparency_is_laid_over_white():
    transparent = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    assert decode(encoded(transparent, "PNG"), LIMITS).getpixel((5, 5)) == (255, 255, 255)


HEIC = Path(__file__).resolve().parent / "fixtures" / "icloud_full_alert.heic"  # made with pillow-heif


def test_heic_when_pi_heif_is_installed():
    """An iPhone's own format, decoded by pi-heif (no encoder is installed: the file is a fixture)."""
    pytest.importorskip("pi_heif")
    image = decode(HEIC.read_bytes(), LIMITS)
    assert image.size == (627, 640) and image.mode == "RGB"
    assert image.getpixel((5, 5))[0] < 160  # the dimmed screen behind the alert, not a blank


def test_without_pi_heif_heic_is_no_image(monkeypatch):
    import bot.vision.decode as module

    monkeypatch.setattr(module, "register_heif", lambda: False)
    monkeypatch.setattr(module, "_formats", lambda: ["PNG", "JPEG"])
    assert reason(HEIC.read_bytes()) == "not_image"
