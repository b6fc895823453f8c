"""Check-ins and incidents through PTB's JobQueue and the fake Bot API, with CHECKIN_MINUTES a fraction of a
second: a check-in arrives, is answered, is cancelled when the person writes first, survives a restart once;
an incident's banner, subscription and the notice at its end; /incident refused outside the operator chat."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.engine.model import Catalog
from bot.metrics import Metrics
from bot.storage import Store
from tests.tg.conftest import BotFactory, joined
from tests.tg.fake_bot_api import BOT_USERNAME, FakeBotApi

PERSON = 21
OPS = -2001
OPERATOR = 31
SLOW = "icloud backup works at home but never at work"  # restricted_network: its first step ends in a backup
IOS = "iOS 17 or later (including iOS 26)"
OFFER = "Check back with me"
QUICK = 0.01  # minutes: 0.6 s
BANNER_TEXT = "iCloud Backup is having problems right now"


def quick(minutes: float = QUICK, **more: object) -> dict[str, object]:
    return {"settings": {"checkin_minutes": minutes, **more}}


async def to_slow_step(fake: FakeBotApi, person: int = PERSON, chat: int | None = None, **where: int) -> None:
    chat = chat or person
    before = len(fake.sent(chat))
    fake.send_text(person, SLOW if chat == person else f"@{BOT_USERNAME} {SLOW}", chat_id=chat, **where)
    await fake.wait_sent(chat, before + 1)
    fake.press_label(person, chat, IOS)
    await fake.wait_sent(chat, before + 2)


async def test_a_check_in_arrives_and_its_fixed_is_the_resolution(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    metrics = Metrics()
    async with bot(**quick(), metrics=metrics):
        await to_slow_step(fake)
        fake.press_label(PERSON, PERSON, OFFER)
        texts = await fake.wait_sent(PERSON, 3)
        assert texts[2] == catalog.text("checkin_scheduled", minutes="0.01")
        texts = await fake.wait_sent(PERSON, 4, timeout=5)
        assert texts[3] == catalog.text("checkin_question")
        fake.press_label(PERSON, PERSON, catalog.text("checkin_opt_fixed"))
        texts = await fake.wait_sent_exactly(PERSON, 5)
        assert texts[4].startswith(catalog.text("fixed"))
        assert b'bot_followups_total{kind="checkin",result="sent"} 1.0' in metrics.render()
    store = Store.open(db_path)
    assert store.query("SELECT status, answer, round FROM checkins") == [("answered", "fixed", 1)]
    store.close()


async def test_writing_first_cancels_it(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    async with bot(**quick()):
        await to_slow_step(fake)
        fake.press_label(PERSON, PERSON, OFFER)
        await fake.wait_sent(PERSON, 3)
        fake.send_text(PERSON, "still failing")
        await fake.wait_sent(PERSON, 4)
        await asyncio.sleep(QUICK * 60 + 0.6)
        texts = [p["text"] for p in fake.sent(PERSON)]
        assert len(texts) == 4 and catalog.text("checkin_question") not in texts, texts


async def test_reset_cancels_it(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    async with bot(**quick()):
        await to_slow_step(fake)
        fake.press_label(PERSON, PERSON, OFFER)
        await fake.wait_sent(PERSON, 3)
        fake.send_text(PERSON, "/reset")
        await fake.wait_sent(PERSON, 4)
        await asyncio.sleep(QUICK * 60 + 0.6)
        assert catalog.text("checkin_question") not in [p["text"] for p in fake.sent(PERSON)]


async def test_not_sent_to_someone_who_blocked_the_bot(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    # The bot learned of the block from a 403 (here: on the "I'll check back" answer itself).
    async with bot(**quick()):
        await to_slow_step(fake)
        fake.fail("sendMessage", "403")
        fake.press_label(PERSON, PERSON, OFFER)
        await fake.wait_for(lambda: any(c.status == 403 for c in fake.calls(ok_only=False)), what="the 403")
        await asyncio.sleep(QUICK * 60 + 0.6)
        assert catalog.text("checkin_question") not in [p["text"] for p in fake.sent(PERSON)]
    store = Store.open(db_path)
    assert store.query("SELECT status FROM checkins") == [("cancelled",)]
    store.close()


async def test_not_yet_asks_again_later(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    async with bot(**quick()):
        await to_slow_step(fake)
        fake.press_label(PERSON, PERSON, OFFER)
        await fake.wait_sent(PERSON, 4, timeout=5)
        fake.press_label(PERSON, PERSON, catalog.text("checkin_opt_later"))
        texts = await fake.wait_sent(PERSON, 6, timeout=5)
        assert texts[4] == catalog.text("checkin_scheduled", minutes="0.01")
        assert texts[5] == catalog.text("checkin_question")


async def test_in_a_group_it_goes_to_the_members_topic_and_mentions_them(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    group, topic = -700, 55
    fake.make_forum(group)
    fake.name(PERSON, "Alice")
    async with bot(**quick()):
        await to_slow_step(fake, chat=group, thread_id=topic)
        fake.press_label(PERSON, group, OFFER)
        await fake.wait_for(lambda: any(p["text"] == joined("Alice, " + catalog.text("checkin_question")).strip()
                                        for p in fake.sent(group)), timeout=5, what="the check-in")  # fmt: skip
        checkin = fake.sent(group)[-1]
        assert checkin["message_thread_id"] == topic
        (entity,) = checkin["entities"]
        assert (entity["type"], entity["offset"], entity["length"]) == ("text_mention", 0, 5)
        assert entity["user"]["id"] == PERSON
        fake.press_label(PERSON + 1, group, catalog.text("checkin_opt_fixed"))  # another member: not theirs
        await fake.wait_for(lambda: any(c.params.get("show_alert") for c in fake.calls("answerCallbackQuery")))
        assert fake.calls("answerCallbackQuery")[-1].params["text"] == catalog.text("not_your_buttons")
        fake.press_label(PERSON, group, catalog.text("checkin_opt_fixed"))
        await fake.wait_for(lambda: fake.sent(group)[-1]["text"].startswith(catalog.text("fixed")), what="fixed")


async def test_a_check_in_due_while_the_bot_was_down_is_sent_once_after_restarts(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    # Scheduled, then the bot stops before it is due; the next start sends it at once, the one after never.
    async with bot(**quick(0.02)):
        await to_slow_step(fake)
        fake.press_label(PERSON, PERSON, OFFER)
        await fake.wait_sent(PERSON, 3)
    await asyncio.sleep(0.02 * 60 + 0.2)
    assert len(fake.sent(PERSON)) == 3
    async with bot(**quick(0.02)):
        await fake.wait_sent(PERSON, 4, timeout=5)
    async with bot(**quick(0.02)):
        await asyncio.sleep(0.5)
    texts = [p["text"] for p in fake.sent(PERSON)]
    assert texts.count(catalog.text("checkin_question")) == 1, texts


# ---------------------------------------------------------------- incidents


def support(**more: object) -> dict[str, object]:
    return {"settings": {"support_chat_id": OPS, "checkin_minutes": QUICK, **more}}


async def operator_says(fake: FakeBotApi, text: str) -> str:
    before = len(fake.sent(OPS))
    fake.send_text(OPERATOR, text, chat_id=OPS)
    return (await fake.wait_sent(OPS, before + 1))[-1]


async def test_incident_banner_subscription_and_notice(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    async with bot(**support()):
        said = await operator_says(fake, f"/incident network {BANNER_TEXT}")
        assert said == catalog.text("incident_started", target="network")
        fake.send_text(PERSON, SLOW)
        texts = await fake.wait_sent(PERSON, 2)
        assert texts[0] == catalog.text("incident_banner", text=BANNER_TEXT)
        banner = fake.sent(PERSON)[0]
        assert banner["reply_markup"]["inline_keyboard"][0][0]["text"] == catalog.text("incident_subscribe")
        assert catalog.text("intent_start", title=catalog.intents["restricted_network"].title) in texts[1]
        fake.press_label(PERSON, PERSON, catalog.text("incident_subscribe"))
        texts = await fake.wait_sent(PERSON, 3)
        assert texts[2] == catalog.text("incident_subscribed")
        listed = await operator_says(fake, "/incident")
        assert listed == catalog.text("incident_list", incidents=f"- network: {BANNER_TEXT}")
        said = await operator_says(fake, "/incident off network")
        assert said == catalog.text("incident_ended", target="network", count="1")
        texts = await fake.wait_sent_exactly(PERSON, 4)
        assert texts[3] == catalog.text("incident_fixed")
        assert await operator_says(fake, "/incident") == catalog.text("incident_none")


async def test_an_incident_and_its_subscribers_survive_a_restart(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog
) -> None:
    async with bot(**support()):
        await operator_says(fake, f"/incident restricted_network {BANNER_TEXT}")
        fake.send_text(PERSON, SLOW)
        await fake.wait_sent(PERSON, 2)
        fake.press_label(PERSON, PERSON, catalog.text("incident_subscribe"))
        await fake.wait_sent(PERSON, 3)
    async with bot(**support()):
        other = 22
        fake.send_text(other, SLOW)
        assert (await fake.wait_sent(other, 2))[0] == catalog.text("incident_banner", text=BANNER_TEXT)
        await operator_says(fake, "/incident off restricted_network")
        assert (await fake.wait_sent_exactly(PERSON, 4))[3] == catalog.text("incident_fixed")


async def test_incident_refused_outside_the_operator_chat(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    async with bot(**support()):
        fake.send_text(PERSON, f"/incident network {BANNER_TEXT}")
        assert (await fake.wait_sent_exactly(PERSON, 1)) == [catalog.text("operators_only")]
        fake.send_text(PERSON, SLOW)
        texts = await fake.wait_sent(PERSON, 2)
        assert catalog.text("incident_banner", text=BANNER_TEXT) not in texts


async def test_incident_usage_and_unknown_targets(fake: FakeBotApi, bot: BotFactory, catalog: Catalog) -> None:
    async with bot(**support()):
        assert await operator_says(fake, "/incident network") == catalog.text("incident_usage")
        assert await operator_says(fake, "/incident wifi it's down") == catalog.text("incident_unknown", target="wifi")
        assert await operator_says(fake, "/incident off storage") == catalog.text("incident_none")


async def test_notices_interrupted_by_a_stop_are_finished_at_start_once(
    fake: FakeBotApi, bot: BotFactory, catalog: Catalog, db_path: Path
) -> None:
    # As if the bot stopped half way through telling subscribers: one told, two not yet.
    store, now = Store.open(db_path), time.time()  # recent: retention at start would delete an old incident
    incident = store.incidents.start("network", BANNER_TEXT, now)
    for user in (41, 42, 43):
        store.incidents.subscribe(
            incident.id, key=f"tg:{user}:0:{user}", user_id=user, chat_id=user, thread_id=0, now=now
        )
    store.incidents.end("network", now)
    store.incidents.claim_notice(incident.id, "tg:41:0:41", now)
    store.close()
    async with bot(**support()):
        for user in (42, 43):
            assert await fake.wait_sent(user, 1) == [catalog.text("incident_fixed")]
    async with bot(**support()):
        await asyncio.sleep(0.3)
    assert [len(fake.sent(u)) for u in (41, 42, 43)] == [0, 1, 1]
