"""Facts from messages (bot/engine/facts.py): quantities with units, what was tried, and the causes they settle."""

from __future__ import annotations

import pytest

from bot.engine.facts import merge, read_facts, verdicts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the phone says 64 GB available", {"phone_free_gb": 64}),
        ("I pay for 2 TB and it's half empty", {"icloud_plan_gb": 2000, "icloud_free_gb": 1000}),
        ("the laptop has 15 GB free and the phone uses 120", {"computer_free_gb": 15, "phone_used_gb": 120}),
        ("icloud says I have 1.5 GB left, backup is 12 GB", {"icloud_free_gb": 1.5, "backup_gb": 12}),
        ("only 500 MB free on my iphone", {"phone_free_gb": 0.5}),
        ("my iphone 15 pro on ios 17", {}),  # a model and a version are no quantities
        ("the backup of this iphone shows 260 GB", {"backup_gb": 260}),  # the backup's size, not the phone's
        ("256gb macbook with 9gb left", {"computer_capacity_gb": 256, "computer_free_gb": 9}),  # "left" is the 9's
        ("my external drive has 1tb free", {}),  # not the computer's own disk
        ("it freezes at step 1 of 4. the laptop has 400 gb free", {"computer_free_gb": 400}),  # "of 4" is no size
    ],
)
def test_quantities(text, expected):
    amounts = read_facts(text).amounts
    assert {k: v for k, v in amounts.items() if k.endswith("_gb")} == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "done"),
    [
        ("not the cable, tried three", {"other_cable"}),
        ("it fails on every network I've tried", {"other_network"}),
        ("I restarted my phone and updated ios", {"restart_phone", "update_ios"}),
        ("turned off norton, still fails", {"disable_security_software"}),
        ("reset network settings already", {"reset_network_settings"}),
        ("i haven't restarted the phone yet", set()),  # negated: not done
        ("restarted twice, still stuck", {"restart_phone"}),
        ("restarted the pc and the phone", {"restart_computer", "restart_phone"}),
        ("rebooted my iphone and the laptop", {"restart_computer", "restart_phone"}),
        ("it also restarted once while just sitting there", set()),  # a symptom, not something done
        ("tried all 3 usb ports and 2 cables", {"other_port", "other_cable"}),
        ("the same cable works fine on my work pc", {"other_computer"}),
        ("tried my neighbours wifi too", {"other_network"}),
        ("emptied the trash on the mac", {"free_computer_space"}),
        ("deleted like 40 apps", {"free_phone_space"}),
        ("i tap trust and it asks again", {"trust_again"}),
        ("turned off my nordvpn", {"vpn_off"}),
        ("deleted all my old ipad backups", {"delete_old_backup"}),
        # a negated mention first must not hide a real one later
        ("it says not enough icloud storage. i already cleared out my icloud drive", {"free_icloud_space"}),
        ("my backup keeps failing", set()),
    ],
)
def test_things_done(text, done):
    assert set(read_facts(text).done) == done


def test_counts_of_networks_and_cables():
    assert read_facts("it fails on every network").amounts["networks_tried"] >= 2
    assert read_facts("tried 3 different cables").amounts["cables_tried"] == 3


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"computer_free_gb": 15, "phone_used_gb": 120}, {"computer_disk_full": 1}),
        ({"computer_free_gb": 400, "phone_used_gb": 120}, {"computer_disk_full": -1}),
        ({"icloud_plan_gb": 2000, "icloud_free_gb": 1000}, {"icloud_full": -1, "backup_too_large": -1}),
        ({"icloud_free_gb": 1.5, "backup_gb": 12}, {"backup_too_large": 1}),
        ({"phone_free_gb": 64}, {"iphone_full": -1}),
        ({"phone_free_gb": 0.3}, {"iphone_full": 1}),
        ({"networks_tried": 3}, {"wifi_unstable": -1, "restricted_network": -1}),
        ({"computer_free_gb": 60}, {}),
        ({"icloud_plan_gb": 200, "backup_gb": 260}, {"backup_too_large": 1}),  # bigger than the whole plan
        ({"computer_capacity_gb": 256, "computer_free_gb": 9}, {"computer_disk_full": 1}),  # under 5% free
        ({"computer_free_gb": 15, "phone_used_gb": 120, "rejected:computer_disk_full": 1}, {"computer_disk_full": -1}),
        ({"security_named": 1}, {"security_software": 1}),  # without the phone's size, 60 GB settles nothing
    ],
)
def test_verdicts(facts, expected):
    assert verdicts(facts) == expected


def test_facts_add_up_over_the_conversation():
    facts, done = merge({}, (), "the laptop has 15 GB free")
    facts, done = merge(facts, done, "and I restarted the phone; it uses 120 GB")
    assert facts["computer_free_gb"] == 15 and facts["phone_used_gb"] == 120 and done == ("restart_phone",)
    assert verdicts(facts) == {"computer_disk_full": 1}


def test_security_software_named_by_brand():
    assert read_facts("work put some mcafee thing on it").amounts.get("security_named") == 1
    assert "security_named" not in read_facts("turned off mcafee, still fails").amounts  # already paused
