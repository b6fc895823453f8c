"""The advice itself, as people see it: each flow rendered with the real content and the engine's own step
rendering, for every slot value that matters, checked against the expert audit's findings (issue 11)."""

from __future__ import annotations

import ast
import itertools
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from bot.engine.content import REQUIRED_ESCALATIONS, TEXT_KEYS, ContentError, load_catalog, step_applies
from bot.engine.model import Catalog, Session

COMPUTERS = ("mac_finder", "mac_itunes", "win_devices", "win_itunes", "not_sure")
MACS = ("mac_finder", "mac_itunes")
WINDOWS = ("win_devices", "win_itunes")
IOS = ("ios17_plus", "ios15_16", "ios14_or_earlier", "not_sure")
OLD_IOS = ("ios14_or_earlier", "not_sure")  # the values that may mean a version older than the one named
INTENTS = Path(__file__).resolve().parents[2] / "intents"


def slot_combinations(catalog: Catalog, intent_id: str, **fixed: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Every combination of the intent's slot values (narrowed to `fixed` where given)."""
    intent = catalog.intents[intent_id]
    axes = {slot: catalog.questions[slot].values() for slot in intent.needs}
    if intent.route != "both":
        axes["route"] = (intent.route,)
    axes.update({slot: values for slot, values in fixed.items() if slot in axes})
    for combo in itertools.product(*axes.values()):
        yield dict(zip(axes, combo, strict=True))


def render(engine, catalog: Catalog, intent_id: str, slots: Mapping[str, str]) -> list[str]:
    """Every step of the flow as the person sees it with these slot values (text and heads-up)."""
    intent = catalog.intents[intent_id]
    count = sum(1 for step in intent.steps if step_applies(step, slots))
    return [engine.render_step(intent, Session(intent=intent_id, step=k, slots=dict(slots))) for k in range(count)]


def flows(engine, catalog: Catalog, intent_id: str, **fixed: tuple[str, ...]) -> Iterator[tuple[dict, list[str]]]:
    for slots in slot_combinations(catalog, intent_id, **fixed):
        yield slots, render(engine, catalog, intent_id, slots)


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!:])\s+", text) if s]


def causes_needing(catalog: Catalog, slot: str) -> list[str]:
    return sorted(i.id for i in catalog.intents.values() if i.kind == "cause" and slot in i.needs)


# ---------------------------------------------------------------- 2. "not sure" about the computer


def test_not_sure_computer_never_uninstalls_finder(catalog, engine):
    """With computer = not_sure no step tells anyone to uninstall or reinstall Finder, or sends Finder to the
    Microsoft Store: an action on one app names only the apps it can apply to."""
    checked = 0
    for intent_id in causes_needing(catalog, "computer"):
        for slots, steps in flows(engine, catalog, intent_id, computer=("not_sure",)):
            for step in steps:
                for sentence in sentences(step):
                    checked += 1
                    assert not re.search(r"(?:un|re)install\w* Finder", sentence), (intent_id, slots, sentence)
                    assert not ("Finder" in sentence and "Microsoft Store" in sentence), (intent_id, slots, sentence)
    assert checked > 100


def test_corrupt_backup_reinstall_names_only_windows_apps(catalog, engine):
    """The corrupt-backup reinstall step: the known Windows app by name; for 'not sure', the Windows apps only,
    with a word for Mac users; never on a Mac."""
    text = "\n".join(render(engine, catalog, "corrupt_backup", {"computer": "not_sure", "route": "computer"}))
    assert "uninstall the app you back up with (iTunes or the Apple Devices app)" in text
    assert "On a Mac, skip this" in text
    for computer, app in (("win_itunes", "iTunes"), ("win_devices", "the Apple Devices app")):
        text = "\n".join(render(engine, catalog, "corrupt_backup", {"computer": computer, "route": "computer"}))
        assert f"uninstall {app} in Settings > Apps" in text
    for computer in MACS:
        text = "\n".join(render(engine, catalog, "corrupt_backup", {"computer": computer, "route": "computer"}))
        assert "Microsoft Store" not in text and "uninstall" not in text


@pytest.mark.parametrize("computer", MACS)
def test_mac_flows_never_send_to_the_microsoft_store(catalog, engine, computer):
    """On a Mac no computer flow asks to uninstall anything or to use the Microsoft Store."""
    for intent_id in causes_needing(catalog, "computer"):
        for slots, steps in flows(engine, catalog, intent_id, computer=(computer,)):
            for step in steps:
                assert "Microsoft Store" not in step and "uninstall" not in step.lower(), (intent_id, slots, step)


# ---------------------------------------------------------------- 3. network blocks get the network's escalation


def _walk_to_escalation(catalog, engine, chat, intent_id: str, chosen: Mapping[str, str]) -> str:
    """/start <id>, answer the slot questions from `chosen`, 'not fixed' at every step: the last reply."""
    talk = chat(engine)
    talk.command("start", intent_id)
    while talk.session.state == "slot":
        slot = talk.session.node
        talk.press(chosen.get(slot, catalog.questions[slot].options[0].value))
    while talk.session.state == "step":
        talk.press("next" if "next" in talk.values() else "not_fixed")
    assert talk.kinds()[-1] == "escalated"
    return talk.reply.text


@pytest.mark.parametrize("ios", IOS)
def test_restricted_network_escalates_to_the_network_not_device_management(catalog, engine, chat, ios):
    """Hotel, café or guest Wi-Fi and a personal VPN end with whoever runs the network, and the way around it
    (another network, or a computer), not with 'whoever manages the device' and its management profile."""
    text = _walk_to_escalation(catalog, engine, chat, "restricted_network", {"ios": ios})
    assert catalog.escalations["network_admin"] in text
    assert catalog.escalations["it_admin"] not in text
    assert "management profile" not in text and "manages the device" not in text
    for words in ("hotel", "café", "VPN", "work or school", "another network", "computer with a cable"):
        assert words in text


def test_no_network_cause_escalates_to_device_management(catalog):
    """A network block is the network's business: no network intent hands over to device management."""
    network = [i for i in catalog.intents.values() if i.category == "network" and i.kind == "cause"]
    assert network and all(i.escalation != "it_admin" for i in network)


# ---------------------------------------------------------------- 4. "not sure" covers every app

APPS = ("Finder", "iTunes", "Apple Devices")


@pytest.mark.parametrize("name", ["app", "device_view", "manage_backups"])
def test_not_sure_value_names_every_app_the_others_name(catalog, name):
    """A computer placeholder's 'not sure' text names each app that one of its known values names, so an
    Apple Devices user is never left with only Finder and iTunes menus. (Left out: backup_folder, whose Mac
    values name Finder only as the place to paste a path, and update_computer: Finder comes with macOS.)"""
    holder = catalog.placeholders[name]
    assert holder.slot == "computer"
    named = {app for value, text in holder.values.items() if value != "not_sure" for app in APPS if app in text}
    assert named and all(app in holder.values["not_sure"] for app in named), (name, named)


def test_manage_backups_not_sure_includes_the_apple_devices_app(catalog, engine):
    """Every flow that opens the backup list, rendered for 'not sure', shows the Apple Devices app's path too."""
    users = [i.id for i in catalog.intents.values() if any("{manage_backups}" in s.text for s in i.steps)]
    assert users
    for intent_id in users:
        for slots, steps in flows(engine, catalog, intent_id, computer=("not_sure",)):
            shown = [s for s in steps if "Manage Backups" in s]
            assert shown, (intent_id, slots)
            for step in shown:
                assert "Apple Devices app on Windows (select the iPhone, General, Manage Backups)" in step
                assert "Finder" in step and "iTunes > Preferences > Devices" in step


# ---------------------------------------------------------------- 5. Screen Time follows the iOS answer


def _restriction_flows(catalog):
    return sorted(i.id for i in catalog.intents.values() if any("{restrictions}" in s.text for s in i.steps))


def test_screen_time_flows_use_the_version_aware_path(catalog):
    """The two flows that send people to Screen Time do it through {restrictions}, never a fixed path."""
    assert {"screen_time", "icloud_backup_off"} <= set(_restriction_flows(catalog))
    for intent in catalog.intents.values():
        for step in intent.steps:
            assert "Settings > Screen Time > Content" not in step.text, intent.id


@pytest.mark.parametrize("ios", IOS)
def test_screen_time_steps_follow_the_ios_answer(catalog, engine, ios):
    """iOS 12 and later: Screen Time > Content & Privacy Restrictions. iOS 14 or earlier and 'not sure' may
    mean iOS 11 or older, where the control is (hedged) Settings > General > Restrictions."""
    for intent_id in _restriction_flows(catalog):
        text = "\n".join(render(engine, catalog, intent_id, {"ios": ios, "route": "icloud"}))
        assert "Settings > Screen Time > Content & Privacy Restrictions" in text
        if ios in OLD_IOS:
            assert "iOS 11 or earlier" in text and "Settings > General > Restrictions" in text
            assert "most likely" in text  # the knowledge base marks the pre-iOS 12 path uncertain
        else:
            assert "General > Restrictions" not in text


# ---------------------------------------------------------------- 6. a Microsoft Store reinstall moves backups

STORE_FOLDER = r"%USERPROFILE%\Apple\MobileSync\Backup"
WEBSITE_FOLDER = r"%APPDATA%\Apple Computer\MobileSync\Backup"


@pytest.mark.parametrize("computer", (*WINDOWS, "not_sure"))
def test_store_reinstall_mentions_the_backup_folder_change(catalog, engine, computer):
    """Wherever the corrupt-backup flow reinstalls an app from the Microsoft Store, the same step says that
    the Store version keeps backups elsewhere, with both folders."""
    steps = render(engine, catalog, "corrupt_backup", {"computer": computer, "route": "computer"})
    reinstall = [s for s in steps if "reinstall it from the Microsoft Store" in s]
    assert len(reinstall) == 1
    assert STORE_FOLDER in reinstall[0] and WEBSITE_FOLDER in reinstall[0]
    assert "different folder" in reinstall[0]


def test_every_store_reinstall_step_names_both_folders(catalog, engine):
    """Across the catalog, any step that reinstalls from the Microsoft Store names both backup folders."""
    found = 0
    for intent in (i for i in catalog.intents.values() if i.kind == "cause"):
        for slots, steps in flows(engine, catalog, intent.id):
            for step in steps:
                if re.search(r"reinstall\w* (?:it|\S+) from the Microsoft Store", step):
                    found += 1
                    assert STORE_FOLDER in step and WEBSITE_FOLDER in step, (intent.id, slots)
    assert found


# ---------------------------------------------------------------- 7. iCloud sync before anything that erases


@pytest.mark.parametrize("computer", COMPUTERS)
def test_missing_data_checks_icloud_sync_before_any_erase(catalog, engine, computer):
    """Passwords or Health data missing after a restore: the flow has the person check Passwords and Health in
    iCloud on both phones before it mentions anything that erases the new iPhone."""
    steps = render(engine, catalog, "missing_sensitive_data", {"computer": computer, "route": "computer"})
    sync = [k for k, s in enumerate(steps) if "Passwords" in s and "Health" in s and "On both iPhones" in s]
    erase = [k for k, s in enumerate(steps) if "erase" in s.lower()]
    assert sync and erase and sync[0] < erase[0], (sync, erase)
    assert "Settings > [your name] > iCloud" in steps[sync[0]]


def test_missing_data_intro_is_not_absolute_about_computer_backups(catalog):
    """Not 'only an encrypted computer backup carries them': iCloud backups are encrypted too."""
    intro = catalog.intents["missing_sensitive_data"].intro
    assert not intro.startswith("Only")
    assert "iCloud backups are always encrypted" in intro
    assert "only when it's encrypted" in intro


# ---------------------------------------------------------------- 8. Stolen Device Protection


def test_reset_and_sign_out_steps_carry_the_stolen_device_note(catalog, engine):
    """Every step that has the person tap Reset All Settings or Sign Out says, hedged, that Stolen Device
    Protection may ask for Face ID and an hour's Security Delay away from familiar places: for every iOS
    answer, in every flow."""
    covered = set()
    for intent in (i for i in catalog.intents.values() if i.kind == "cause"):
        for slots, steps in flows(engine, catalog, intent.id):
            for step in steps:
                if "tap Reset All Settings" in step or "tap Sign Out" in step:
                    covered.add(intent.id)
                    assert "Stolen Device Protection" in step, (intent.id, slots)
                    assert "may ask for Face ID" in step and "wait an hour" in step, (intent.id, slots)
                    assert "familiar places" in step, (intent.id, slots)
    expected = {"forgot_password", "unexpected_prompt", "password_confusion", "session_expired", "wrong_account"}
    assert expected <= covered


# ---------------------------------------------------------------- 9. back up before updating iOS


@pytest.mark.parametrize("intent_id", ["outdated_ios", "problem_app"])
def test_backup_by_any_route_comes_before_the_ios_update(catalog, engine, intent_id):
    """The person has no current backup: before the step that installs an iOS update, a step asks for a backup
    by whichever route still works (a computer if iCloud fails, iCloud if the computer fails)."""
    for slots, steps in flows(engine, catalog, intent_id):
        update = next(k for k, s in enumerate(steps) if "Software Update" in s)
        before = steps[:update]
        assert any("whichever route still works" in s and "computer" in s and "iCloud" in s for s in before), slots


# ---------------------------------------------------------------- 10. iCloud for Windows makes no backups


def test_windows_app_flow_says_icloud_for_windows_cannot_back_up(catalog, engine, chat):
    """Opening the Windows app flow, the person is told iCloud for Windows can't back up an iPhone, and the
    steps then point to the app that can."""
    talk = chat(engine)
    reply = talk.command("start", "windows_app_conflict")
    while talk.session.state == "slot":
        reply = talk.press(catalog.questions[talk.session.node].options[0].value)
    assert "iCloud for Windows can't back up an iPhone" in reply.text
    steps = render(engine, catalog, "windows_app_conflict", {"route": "computer"})
    assert "Apple Devices" in steps[0] and "Microsoft Store" in steps[0]


# ---------------------------------------------------------------- 11. WhatsApp needs room on the iPhone too


@pytest.mark.parametrize("ios", IOS)
def test_whatsapp_checks_iphone_space_as_well_as_icloud(catalog, engine, ios):
    """WhatsApp's own backup: the size check covers free iCloud space and (hedged) free space on the iPhone."""
    steps = render(engine, catalog, "whatsapp_backup", {"ios": ios, "route": "icloud"})
    sizes = [s for s in steps if "2.05" in s]
    assert len(sizes) == 1
    assert "Settings > General > iPhone Storage" in sizes[0] and "may also need free space on the iPhone" in sizes[0]
    assert catalog.placeholders["manage_storage"].values[ios] in sizes[0]


# ---------------------------------------------------------------- 12. no password reset before iOS 11

PASSWORD_FLOWS = ("forgot_password", "unexpected_prompt", "password_confusion")


@pytest.mark.parametrize("intent_id", PASSWORD_FLOWS)
def test_old_ios_password_flows_offer_icloud_and_erase_only_with_a_backup(catalog, engine, intent_id):
    """iOS 10 or earlier has no reset of the backup password: for the answers that may mean it, the flow says
    so and offers an iCloud backup, and erasing only once a checked backup exists; for iOS 15 and later the
    step is not shown."""
    for slots, steps in flows(engine, catalog, intent_id):
        text = "\n".join(steps)
        old = [s for s in steps if "On iOS 10 or earlier there is no such reset" in s]
        if slots["ios"] in OLD_IOS:
            assert len(old) == 1, slots
            (step,) = old
            assert catalog.placeholders["icloud_backup"].values[slots["ios"]] in step
            assert "Never erase the iPhone without a backup" in step and "ask for a person" in step
            reset = next(k for k, s in enumerate(steps) if "tap Reset All Settings" in s)
            assert steps.index(step) == reset + 1  # straight after the reset it replaces
        else:
            assert not old and "iOS 10 or earlier" not in text, slots


# ---------------------------------------------------------------- 13. Keychain Access, found with Spotlight


@pytest.mark.parametrize("computer", (*MACS, "not_sure"))
def test_keychain_steps_use_spotlight_and_not_the_passwords_app(catalog, engine, computer):
    """Every step that sends a Mac user to Keychain Access finds it with Spotlight (it moved in recent macOS)
    and says to choose Keychain Access, not the Passwords app."""
    seen = set()
    for intent_id in PASSWORD_FLOWS:
        for slots, steps in flows(engine, catalog, intent_id, computer=(computer,)):
            for step in (s for s in steps if "Keychain Access" in s):
                seen.add(intent_id)
                assert "Spotlight" in step and "Command-Space" in step, (intent_id, slots)
                assert "not the Passwords app" in step, (intent_id, slots)
                assert "Applications > Utilities)" not in step  # never the old place alone
    assert seen == set(PASSWORD_FLOWS)


@pytest.mark.parametrize("computer", WINDOWS)
def test_no_keychain_on_windows(catalog, engine, computer):
    for intent_id in PASSWORD_FLOWS:
        for _slots, steps in flows(engine, catalog, intent_id, computer=(computer,)):
            assert not any("Keychain Access" in s for s in steps)


# ---------------------------------------------------------------- 14. the 5 GB only for the free plan


@pytest.mark.parametrize("ios", IOS)
def test_icloud_full_speaks_of_5_gb_only_for_the_free_plan(catalog, engine, chat, ios):
    """The iCloud-full introduction no longer tells everyone they only get 5 GB: the 5 GB is the free plan's,
    someone who pays is told to look at what fills it, and the first step is that view."""
    intro = catalog.intents["icloud_full"].intro
    assert "only gets 5 GB" not in intro and "Every Apple Account" not in intro
    assert "On the free plan" in intro and "If you already pay for more" in intro
    talk = chat(engine)
    talk.command("start", "icloud_full")
    reply = talk.press(ios)
    assert intro in reply.text
    first = render(engine, catalog, "icloud_full", {"ios": ios, "route": "icloud"})[0]
    assert catalog.placeholders["manage_storage"].values[ios] in first and "what fills it" in first


# ---------------------------------------------------------------- 15. labels for every version


def _all_rendered(catalog, engine) -> Iterator[tuple[str, dict, str]]:
    for intent in (i for i in catalog.intents.values() if i.kind == "cause"):
        for slots, steps in flows(engine, catalog, intent.id):
            for step in steps:
                yield intent.id, slots, step


def test_ios_version_row_has_both_labels(catalog, engine):
    """Older iOS calls the row Software Version: the iOS question and every step naming the row say both."""
    assert "iOS Version" in catalog.questions["ios"].text and "Software Version" in catalog.questions["ios"].text
    naming = [(i, s) for i, s, step in _all_rendered(catalog, engine) if "About > iOS Version" in step]
    assert naming
    for intent_id, slots, step in _all_rendered(catalog, engine):
        if "iOS Version" in step:
            assert "Software Version" in step, (intent_id, slots)


def test_windows_apps_settings_for_windows_10_and_11(catalog, engine):
    """Every step that opens Windows' app list gives Windows 11's Installed apps and Windows 10's Apps &
    features."""
    found = 0
    for intent_id, slots, step in _all_rendered(catalog, engine):
        if "Settings > Apps" in step:
            found += 1
            assert "Settings > Apps > Installed apps" in step and "Settings > Apps > Apps & features" in step, (
                intent_id,
                slots,
            )
    assert found


def test_every_force_restart_covers_every_iphone_generation(catalog, engine):
    """A force restart is described for iPhone 8 and later, for iPhone 7 and for older models (Home button),
    in the device-fault flow as in the glitch flow."""
    flows_seen = set()
    for intent_id, slots, step in _all_rendered(catalog, engine):
        if "force-restart it" in step:
            flows_seen.add(intent_id)
            assert "iPhone 8 and later" in step and "Volume Up" in step, (intent_id, slots)
            assert "iPhone 7, hold Volume Down and the side button" in step, (intent_id, slots)
            assert "hold the Home button and the top or side button" in step, (intent_id, slots)
    assert {"device_fault", "temporary_glitch"} <= flows_seen


# ---------------------------------------------------------------- 16. check requires what the adapters use

BOT = Path(__file__).resolve().parents[2] / "bot"
TEXT_FUNCTIONS = {"text", "t", "_html"}  # catalog.text, its local aliases (t = self.catalog.text), handoff's _html


def _strings(node: ast.AST, assigned: Mapping[str, list[ast.AST]]) -> set[str]:
    """The string constants `node` can be: literals inside it, or those assigned to the name it is."""
    if isinstance(node, ast.Name):
        return {name for value in assigned.get(node.id, []) for name in _strings(value, {})}
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _names_used_in_code() -> tuple[set[str], set[str]]:
    """Text and escalation keys that bot/ looks up by name: catalog.text("x"), t("x"), text(status) where
    status = "a" if ... else "b", catalog.texts["x"], catalog.escalations["x"] and .get("x")."""
    texts: set[str] = set()
    escalations: set[str] = set()
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            assigned: dict[str, list[ast.AST]] = {}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in (t for t in node.targets if isinstance(t, ast.Name)):
                        assigned.setdefault(target.id, []).append(node.value)
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and node.args:
                    func = node.func
                    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                    owner = func.value if isinstance(func, ast.Attribute) else None
                    if called in TEXT_FUNCTIONS:
                        texts |= _strings(node.args[0], assigned)
                    elif called == "get" and isinstance(owner, ast.Attribute) and owner.attr == "escalations":
                        escalations |= _strings(node.args[0], {})
                elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute):
                    if node.value.attr == "texts":
                        texts |= _strings(node.slice, assigned)
                    elif node.value.attr == "escalations":
                        escalations |= _strings(node.slice, {})
    return texts, escalations


def test_check_requires_every_key_the_code_uses_by_name(catalog):
    """Every text and escalation that bot/ (engine, Telegram adapter, CLI, stats) looks up by a literal name
    is one `bot check` requires, so a content edit can't break a front-end at run time."""
    texts, escalations = _names_used_in_code()
    assert {"human_unavailable", "ticket_closed", "ticket_ended", "autoanswer_off", "step_header"} <= texts
    assert "apple_support" in escalations
    assert texts - TEXT_KEYS == set()
    assert escalations - set(REQUIRED_ESCALATIONS) == set()
    assert set(REQUIRED_ESCALATIONS) <= set(catalog.escalations)


def test_check_refuses_content_without_the_apple_support_escalation(tmp_path):
    """Removing the Apple Support escalation that /human falls back on is a reported problem."""
    shutil.copytree(INTENTS, tmp_path / "intents")
    bot = tmp_path / "intents" / "bot.toml"
    text = bot.read_text(encoding="utf-8")
    bot.write_text(text.replace("[escalations.apple_support]", "[escalations.apple_support_old]"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalog(tmp_path / "intents")
    assert any("escalations: missing 'apple_support'" in p for p in caught.value.problems)
