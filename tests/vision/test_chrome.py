"""The chrome cleaner on lines as OCR reports them (no OCR here): what is dropped, what is kept, in what order."""

from __future__ import annotations

from bot.vision.chrome import content, is_bar, is_button, join, words
from bot.vision.model import Line

HEIGHT = 1280
BLACK, GREY, BLUE, RED = (20, 20, 20), (142, 142, 147), (0, 122, 255), (220, 60, 50)


def line(text: str, top: int, *, left: int = 100, peak: float = 0.95, contrast: float = 0.9, colour=BLACK) -> Line:
    return Line(text, 0.99, (left, top, left + 20 * len(text), top + 30), peak, contrast, colour)


def test_status_bar_is_dropped_but_a_time_in_a_sentence_is_kept():
    lines = [line("9:41", 20), line("5G", 22, left=420), line("87%", 22, left=470), line("Backup at 9:41 failed", 500)]
    assert words(lines, HEIGHT) == "Backup at 9:41 failed"


def test_a_clock_anywhere_is_chrome_a_mac_menu_bar_only_at_the_top():
    assert is_bar(line("Mon 9:41 AM", 5), HEIGHT)
    assert is_bar(line("09:41", 1200), HEIGHT)  # the Windows taskbar clock, at the bottom
    assert is_bar(line("Finder File Edit View Go Window Help", 5), HEIGHT)
    assert not is_bar(line("Finder File Edit View Go Window Help", 600), HEIGHT)
    assert not is_bar(line("Not Enough Storage", 5), HEIGHT)


def test_button_labels_alone_or_side_by_side_are_dropped():
    for text in ("OK", "Close", "Not Now", "Settings", "Cancel OK", "Not Now Settings", "Don't Trust", "Don’t Allow"):
        assert is_button(text), text
    for text in ("Not Enough Storage", "Trust This Computer?", "Settings could not be saved", ""):
        assert not is_button(text), text
    assert is_button("< iCloud")  # a navigation bar's back link


def test_dimmed_rows_behind_an_alert_are_dropped():
    """The Settings list behind an iOS alert (Wi-Fi, Screen Time) would send an iCloud alert elsewhere."""
    lines = [
        line("Wi-Fi", 300, peak=0.57, contrast=0.53),
        line("Not Enough Storage", 534),
        line("This iPhone cannot be backed up", 576),
        line("Screen Time", 882, peak=0.6, contrast=0.53),
    ]
    assert words(lines, HEIGHT) == "Not Enough Storage This iPhone cannot be backed up"


def test_dark_mode_dimming_is_dropped_too():
    lines = [line("Trust This Computer?", 547, peak=0.94, contrast=0.76, colour=(240,) * 3)]
    lines.append(line("General", 951, peak=0.53, contrast=0.47, colour=(135,) * 3))
    assert words(lines, HEIGHT) == "Trust This Computer?"


def test_faint_footnotes_are_dropped_only_next_to_full_contrast_text():
    footnote = line("when this iPhone is connected to power, locked, and on Wi-Fi.", 600, contrast=0.38, colour=GREY)
    assert words([line("Back Up This iPhone", 400), footnote], HEIGHT) == "Back Up This iPhone"
    faded = [line("iTunes could not back up", 400, contrast=0.4), line("the iPhone", 430, contrast=0.38)]
    assert words(faded, HEIGHT) == "iTunes could not back up the iPhone"  # a washed-out photo: all kept


def test_red_text_is_the_error_on_a_settings_screen():
    lines = [
        line("iCloud Backup", 100),
        line("Back Up This iPhone", 225),
        line("Back Up Now", 435, colour=BLUE, contrast=0.55),
        line("The last backup could not be completed.", 503, colour=RED, contrast=0.46),
        line("ALL DEVICE BACKUPS", 578, colour=GREY, contrast=0.38),
    ]
    assert words(lines, HEIGHT) == "The last backup could not be completed."


def test_a_repeated_title_is_read_once():
    lines = [line("iTunes", 5), line("iTunes", 257), line("iTunes could not back up the iPhone", 298)]
    assert words(lines, HEIGHT) == "iTunes iTunes could not back up the iPhone"


def test_lines_are_joined_and_a_hyphenated_word_is_mended():
    lines = [line("The backup could not be com-", 100), line("pleted. Try again later", 130)]
    assert join(lines) == "The backup could not be completed. Try again later"


def test_nothing_but_chrome_gives_no_words():
    assert content([line("9:41", 10), line("OK", 700), line("Cancel", 700, left=300)], HEIGHT) == []
    assert words([], HEIGHT) == ""
