"""Screenshots drawn with Pillow, as people send them: iOS alerts (light, dark), an iCloud Backup settings screen,
Finder, iTunes and Apple Devices dialogs; then what Telegram makes of them (a JPEG at most 1280 px) or a crop.

The font is Pillow's own scalable one (`ImageFont.load_default(size=...)`, Pillow >= 10.1 with FreeType), so no
system font is needed. Bold is drawn with a one-pixel stroke. Every screen also carries the chrome the cleaner
must drop: a status bar or menu bar, button labels, and dimmed rows behind the alert.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
TELEGRAM_SIDE = 1280  # Telegram's photo size: the longer side of a compressed photo
TELEGRAM_QUALITY = 80

PHONE = (1170, 2532)  # an iPhone 13-15 screenshot, 3x
MAC = (2880, 1800)  # a 15-inch MacBook, 2x
PC = (1920, 1080)


def font(size: int) -> ImageFont.FreeTypeFont:
    loaded = ImageFont.load_default(size=size)
    if not isinstance(loaded, ImageFont.FreeTypeFont):  # Pillow without FreeType: only a bitmap font
        raise RuntimeError("Pillow has no FreeType: cannot draw screenshots")
    return loaded


def wrap(text: str, size: int, width: int) -> list[str]:
    """Words laid out in lines no wider than `width` pixels."""
    face, lines, current = font(size), [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and face.getlength(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def centred(draw: ImageDraw.ImageDraw, x: int, y: int, text: str, size: int, fill: RGB, bold: bool = False) -> None:
    face = font(size)
    left = x - face.getlength(text) / 2
    draw.text((left, y), text, font=face, fill=fill, stroke_width=1 if bold else 0, stroke_fill=fill)


def paragraph(
    draw: ImageDraw.ImageDraw, x: int, y: int, text: str, size: int, width: int, fill: RGB, *, centre: bool, bold=False
) -> int:
    """Draws wrapped text; returns the y below it."""
    for line in wrap(text, size, width):
        if centre:
            centred(draw, x + width // 2, y, line, size, fill, bold)
        else:
            draw.text((x, y), line, font=font(size), fill=fill, stroke_width=1 if bold else 0, stroke_fill=fill)
        y += int(size * 1.3)
    return y


def dim(image: Image.Image, alpha: float) -> Image.Image:
    """The screen behind an alert: darkened as iOS does."""
    return Image.blend(image, Image.new("RGB", image.size, (0, 0, 0)), alpha)


# ---------------------------------------------------------------- iPhone


def status_bar(draw: ImageDraw.ImageDraw, width: int, fill: RGB) -> None:
    draw.text((120, 50), "9:41", font=font(50), fill=fill, stroke_width=1, stroke_fill=fill)
    draw.text((width - 330, 55), "5G", font=font(42), fill=fill)
    draw.text((width - 230, 55), "87%", font=font(42), fill=fill)


SETTINGS_ROWS = ("Wi-Fi", "Bluetooth", "Mobile Data", "Personal Hotspot", "Notifications", "Screen Time", "General")


def settings_list(dark: bool) -> Image.Image:
    """The Settings app's first screen, as it shows behind an alert."""
    background, text, row = (
        ((0, 0, 0), (255, 255, 255), (28, 28, 30)) if dark else ((242, 242, 247), (0, 0, 0), (255,) * 3)
    )
    image = Image.new("RGB", PHONE, background)
    draw = ImageDraw.Draw(image)
    status_bar(draw, PHONE[0], text)
    draw.text((48, 260), "Settings", font=font(100), fill=text, stroke_width=2, stroke_fill=text)
    draw.rounded_rectangle((48, 460, PHONE[0] - 48, 460 + 150 * 3), 30, fill=row)
    draw.text((100, 490), "Anna Example", font=font(60), fill=text)
    draw.text((100, 570), "Apple Account, iCloud, and more", font=font(40), fill=text)
    top = 1000
    draw.rounded_rectangle((48, top, PHONE[0] - 48, top + 140 * len(SETTINGS_ROWS)), 30, fill=row)
    for i, name in enumerate(SETTINGS_ROWS):
        draw.text((200, top + 40 + 140 * i), name, font=font(52), fill=text)
    return image


@dataclass(frozen=True)
class Alert:
    title: str
    message: str
    buttons: Sequence[str]


def ios_alert(alert: Alert, *, dark: bool) -> Image.Image:
    """An iOS alert over the dimmed Settings screen."""
    image = dim(settings_list(dark), 0.45 if dark else 0.4)
    draw = ImageDraw.Draw(image)
    panel, text, tint, rule = (
        ((44, 44, 46), (255, 255, 255), (10, 132, 255), (84, 84, 88))
        if dark
        else ((242, 242, 242), (0, 0, 0), (0, 122, 255), (200, 200, 204))
    )
    width, left = 810, (PHONE[0] - 810) // 2
    title_lines = wrap(alert.title, 52, width - 96)
    message_lines = wrap(alert.message, 40, width - 96)
    height = 60 + len(title_lines) * 68 + 20 + len(message_lines) * 52 + 50 + 132
    top = (PHONE[1] - height) // 2
    draw.rounded_rectangle((left, top, left + width, top + height), 42, fill=panel)
    y = paragraph(draw, left + 48, top + 60, alert.title, 52, width - 96, text, centre=True, bold=True) + 20
    paragraph(draw, left + 48, y, alert.message, 40, width - 96, text, centre=True)
    bar = top + height - 132
    draw.line((left, bar, left + width, bar), fill=rule, width=2)
    share = width // len(alert.buttons)
    for i, label in enumerate(alert.buttons):
        if i:
            draw.line((left + share * i, bar, left + share * i, top + height), fill=rule, width=2)
        centred(draw, left + share * i + share // 2, bar + 40, label, 52, tint, bold=i == len(alert.buttons) - 1)
    return image


def icloud_backup_settings(*, dark: bool = False) -> Image.Image:
    """Settings > Apple Account > iCloud > iCloud Backup, with the red line under Back Up Now."""
    background, text, row, grey = (
        ((0, 0, 0), (255,) * 3, (28, 28, 30), (142, 142, 147))
        if dark
        else ((242, 242, 247), (0, 0, 0), (255,) * 3, (138, 138, 142))
    )
    tint, red = ((10, 132, 255), (255, 69, 58)) if dark else ((0, 122, 255), (255, 59, 48))
    image = Image.new("RGB", PHONE, background)
    draw = ImageDraw.Draw(image)
    status_bar(draw, PHONE[0], text)
    draw.text((48, 200), "< iCloud", font=font(52), fill=tint)
    centred(draw, PHONE[0] // 2, 200, "iCloud Backup", 52, text, bold=True)
    draw.rounded_rectangle((48, 400, PHONE[0] - 48, 540), 30, fill=row)
    draw.text((100, 440), "Back Up This iPhone", font=font(52), fill=text)
    draw.rounded_rectangle((PHONE[0] - 290, 430, PHONE[0] - 100, 510), 40, fill=(52, 199, 89))
    y = paragraph(
        draw,
        100,
        580,
        "Automatically back up your iPhone, such as accounts, documents, Health data, Home configuration, and "
        "settings, when this iPhone is connected to power, locked, and on Wi-Fi.",
        38,
        PHONE[0] - 200,
        grey,
        centre=False,
    )
    draw.rounded_rectangle((48, y + 40, PHONE[0] - 48, y + 180), 30, fill=row)
    draw.text((100, y + 80), "Back Up Now", font=font(52), fill=tint)
    y = paragraph(draw, 100, y + 220, "The last backup could not be completed.", 38, PHONE[0] - 200, red, centre=False)
    draw.text((100, y + 100), "ALL DEVICE BACKUPS", font=font(36), fill=grey)
    draw.rounded_rectangle((48, y + 170, PHONE[0] - 48, y + 350), 30, fill=row)
    draw.text((100, y + 200), "Anna’s iPhone", font=font(52), fill=text)
    draw.text((100, y + 270), "This iPhone", font=font(38), fill=grey)
    draw.text((PHONE[0] - 280, y + 230), "4.2 GB", font=font(44), fill=grey)
    return image


# ---------------------------------------------------------------- computers


def mac_dialog(title: str, message: str, buttons: Sequence[str], *, app: str) -> Image.Image:
    """A macOS alert sheet over a Finder window, with the menu bar above."""
    image = Image.new("RGB", MAC, (52, 84, 140))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, MAC[0], 50), fill=(236, 236, 236))
    draw.text((90, 8), f"{app}    File    Edit    View    Go    Window    Help", font=font(30), fill=(0, 0, 0))
    draw.text((MAC[0] - 330, 8), "Mon 9:41 AM", font=font(30), fill=(0, 0, 0))
    draw.rounded_rectangle((300, 200, 2500, 1600), 24, fill=(246, 246, 246))
    draw.rectangle((300, 260, 760, 1600), fill=(226, 226, 230))
    for i, name in enumerate(
        ("Recents", "Applications", "Desktop", "Documents", "Downloads", "Locations", "Anna’s iPhone")
    ):
        draw.text((340, 320 + 80 * i), name, font=font(30), fill=(40, 40, 40))
    width, left, top = 1040, (MAC[0] - 1040) // 2 + 230, 300
    title_lines, message_lines = wrap(title, 30, width - 80), wrap(message, 26, width - 80)
    height = 200 + len(title_lines) * 40 + len(message_lines) * 36 + 140
    draw.rounded_rectangle((left, top, left + width, top + height), 28, fill=(236, 236, 236), outline=(180, 180, 180))
    draw.rounded_rectangle(
        (left + width // 2 - 64, top + 40, left + width // 2 + 64, top + 168), 24, fill=(90, 150, 230)
    )
    y = paragraph(draw, left + 40, top + 200, title, 30, width - 80, (0, 0, 0), centre=True, bold=True) + 10
    paragraph(draw, left + 40, y, message, 26, width - 80, (30, 30, 30), centre=True)
    for i, label in enumerate(reversed(buttons)):
        right = left + width - 40 - i * 240
        fill, ink = ((0, 110, 230), (255, 255, 255)) if i == 0 else ((255, 255, 255), (0, 0, 0))
        draw.rounded_rectangle((right - 220, top + height - 100, right, top + height - 44), 12, fill=fill)
        centred(draw, right - 110, top + height - 92, label, 28, ink)
    return image


def windows_dialog(app: str, message: str, buttons: Sequence[str]) -> Image.Image:
    """A Windows message box of iTunes or the Apple Devices app over its own window."""
    image = Image.new("RGB", PC, (243, 243, 243))
    draw = ImageDraw.Draw(image)
    draw.text((20, 10), app, font=font(18), fill=(0, 0, 0))
    draw.text((20, 60), "File   Edit   Song   View   Controls   Account   Help", font=font(18), fill=(0, 0, 0))
    draw.rectangle((0, PC[1] - 48, PC[0], PC[1]), fill=(32, 32, 32))
    draw.text((PC[0] - 120, PC[1] - 38), "09:41", font=font(18), fill=(255, 255, 255))
    left, top, width = 560, 380, 800
    lines = wrap(message, 20, width - 140)
    height = 90 + len(lines) * 28 + 110
    draw.rectangle((left, top, left + width, top + height), fill=(255, 255, 255), outline=(120, 120, 120))
    draw.text((left + 16, top + 10), app, font=font(18), fill=(0, 0, 0))
    draw.ellipse((left + 30, top + 70, left + 80, top + 120), fill=(0, 90, 200))
    paragraph(draw, left + 110, top + 70, message, 20, width - 140, (0, 0, 0), centre=False)
    draw.rectangle((left, top + height - 70, left + width, top + height), fill=(240, 240, 240))
    for i, label in enumerate(reversed(buttons)):
        right = left + width - 20 - i * 130
        draw.rectangle(
            (right - 110, top + height - 55, right, top + height - 20), fill=(253, 253, 253), outline=(0, 120, 215)
        )
        centred(draw, right - 55, top + height - 49, label, 18, (0, 0, 0))
    return image


# ---------------------------------------------------------------- what Telegram does to them


def telegram_photo(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> bytes:
    """The image (cropped to `box` first, as a person crops) as Telegram sends a photo: JPEG, <= 1280 px."""
    if box is not None:
        image = image.crop(box)
    image = image.copy()
    image.thumbnail((TELEGRAM_SIDE, TELEGRAM_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=TELEGRAM_QUALITY)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class Screen:
    name: str
    image: Image.Image
    crop: tuple[int, int, int, int]  # where a person would crop it: around the alert
    intent: str  # the diagnosis the words should lead to
    words: str  # a phrase the words read must contain


def screens() -> list[Screen]:
    """The screenshots the tests read, each with its expected diagnosis."""
    device = "Anna’s iPhone"
    return [
        Screen(
            "ios_alert_light",
            ios_alert(
                Alert(
                    "Not Enough Storage",
                    "This iPhone cannot be backed up because there is not enough iCloud storage available. "
                    "You can manage your storage in Settings.",
                    ("Close", "Settings"),
                ),
                dark=False,
            ),
            (120, 800, 1050, 1750),
            "icloud_full",
            "not enough iCloud storage",
        ),
        Screen(
            "ios_alert_dark",
            ios_alert(
                Alert(
                    "Trust This Computer?",
                    "Your settings and data will be accessible from this computer when connected.",
                    ("Trust", "Don't Trust"),
                ),
                dark=True,
            ),
            (120, 900, 1050, 1650),
            "trust_pairing",
            "Trust This Computer",
        ),
        Screen(
            "settings_red_line",
            icloud_backup_settings(),
            (0, 150, 1170, 1400),
            "generic_alert",
            "could not be completed",
        ),
        Screen(
            "finder_dialog",
            mac_dialog(
                f"The iPhone “{device}” could not be backed up because not enough free space is available on this "
                "computer.",
                "To make more space available, delete files and empty the Trash.",
                ("OK",),
                app="Finder",
            ),
            (1100, 250, 2400, 1000),
            "computer_disk_full",
            "not enough free space",
        ),
        Screen(
            "itunes_dialog",
            windows_dialog(
                "iTunes", f"iTunes could not back up the iPhone “{device}” because the iPhone disconnected.", ("OK",)
            ),
            (540, 360, 1380, 650),
            "cable_or_port",
            "because the iPhone disconnected",
        ),
        Screen(
            "apple_devices_dialog",
            windows_dialog(
                "Apple Devices",
                f"Apple Devices could not back up the iPhone “{device}” because the backup was corrupt or not "
                "compatible with the iPhone.",
                ("OK",),
            ),
            (540, 360, 1380, 650),
            "corrupt_backup",
            "backup was corrupt",
        ),
    ]
