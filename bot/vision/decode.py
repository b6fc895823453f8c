"""Image bytes -> a checked RGB image, or Unreadable. Runs inside the worker process only.

Every cap is checked before any pixel is decoded: the byte size, then the dimensions from the file's header
(Pillow's decompression-bomb guard raises at twice MAX_IMAGE_PIXELS, and its warning above it is an error here).
A truncated or corrupt file is "not_image". Imports Pillow (and pi-heif, for HEIC, when installed).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from bot.vision.model import Limits, Unreadable

# Formats a phone or computer screenshot comes in. No TIFF, PSD, EPS ...: big decoders, no screenshots.
FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "GIF", "BMP", "HEIF")  # MPO: a JPEG with a second image (some cameras)
_heif_registered = False


def register_heif() -> bool:
    """Let Pillow open HEIC (the iPhone's photo format) when pi-heif is installed."""
    global _heif_registered
    if not _heif_registered:
        try:
            from pi_heif import register_heif_opener
        except ImportError:
            return False
        register_heif_opener()
        _heif_registered = True
    return True


def decode(data: bytes, limits: Limits) -> Image.Image:
    """The image in `data`, upright (EXIF orientation), RGB, at most `limits.max_side` on its longer side."""
    if not data:
        raise Unreadable("empty")
    if len(data) > limits.max_bytes:
        raise Unreadable("too_big")
    register_heif()
    Image.MAX_IMAGE_PIXELS = limits.max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            opened = Image.open(io.BytesIO(data), formats=_formats())
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Unreadable("too_big") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
            raise Unreadable("not_image") from None
        width, height = opened.size
        if width <= 0 or height <= 0:
            raise Unreadable("not_image")
        if width * height > limits.max_pixels:
            raise Unreadable("too_big")
        try:
            if opened.format == "JPEG":  # decode a big JPEG at a reduced scale straight away (fast, less memory)
                opened.draft("RGB", (limits.max_side, limits.max_side))
            opened.load()
            image = _rgb(ImageOps.exif_transpose(opened))
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            raise Unreadable("not_image") from None  # truncated, corrupt
    if max(image.size) > limits.max_side:
        image.thumbnail((limits.max_side, limits.max_side), Image.Resampling.LANCZOS)
    return image


def _formats() -> list[str]:
    """FORMATS that this Pillow can open (HEIF only with pi-heif)."""
    Image.init()
    return [name for name in FORMATS if name in Image.OPEN]


def _rgb(image: Image.Image) -> Image.Image:
    """RGB; transparency is laid over white (a transparent PNG's text would otherwise vanish into black)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")
