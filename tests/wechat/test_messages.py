"""Each message type as WeChat sends it, and what the user sees."""
from __future__ import annotations

import re

from actions.menu import menu_buttons
from bot.channels.wechat import TEXTS, WELCOME_PAYLOAD
from bot.channels.wechat_menu import click_payloads
from bot.channels.wechat_render import CHOOSE_HINT, TAP_HINT, utf8_len
from tests.wechat.conftest import LONG_LINES, Rig, new_openid, run, use

LINK = re.compile(r'<a href="weixin://bizmsgmenu\?msgmenucontent=([^&"]*)&msgmenuid=(\d+)">([^<]*)</a>')


def test_voice_with_recognition_is_text_and_without_gets_a_request_to_type():
    async def body(rig: Rig):
        openid = new_openid()
        replies = await rig.sim.say(openid, "voice", recognition="我想领失业金。", settle=0.3)
        assert replies[0]["text"].startswith("收到：我想领失业金")
        replies = await rig.sim.say(openid, "voice", recognition=None, settle=0.3)
        assert [r["text"] for r in replies] == [TEXTS["voice_unrecognised"]]
        assert rig.assistant.texts_of(openid) == ["我想领失业金"]

    run(use(Rig(), body))


def test_image_location_and_other_types_get_polite_answers_and_media_is_fetchable():
    async def body(rig: Rig):
        openid = new_openid()
        assert [r["text"] for r in await rig.sim.say(openid, "image", settle=0.3)] == [TEXTS["image"]]
        assert [r["text"] for r in await rig.sim.say(openid, "location", settle=0.3)] == [TEXTS["location"]]
        assert [r["text"] for r in await rig.sim.say(openid, "link", settle=0.3)] == [TEXTS["unsupported"]]
        assert rig.assistant.received == []
        # the image's media id can be fetched with the shared token (for the material upload path)
        media_id = next(iter(rig.sim.media))
        assert await rig.channels[0].api.get_media(media_id) == rig.sim.media[media_id]

    run(use(Rig(), body))


def test_subscribe_gives_the_welcome_and_the_main_menu_as_links_and_numbers():
    async def body(rig: Rig):
        openid = new_openid()
        replies = await rig.sim.say(openid, "event", event="subscribe")
        assert rig.assistant.texts_of(openid) == [WELCOME_PAYLOAD]
        assert [r["via"] for r in replies] == ["custom"]       # links exist only in customer-service text
        text = replies[0]["text"]
        links = LINK.findall(text)
        titles = [b["title"] for b in menu_buttons()]
        assert [content for content, _, _ in links] == titles
        assert [label for _, _, label in links] == [f"{i}. {t}" for i, t in enumerate(titles, 1)]
        assert [menu_id for _, menu_id, _ in links] == [str(i) for i in range(1, len(titles) + 1)]
        assert text.endswith(CHOOSE_HINT)

    run(use(Rig(), body))


def test_buttons_answered_by_number_by_link_and_by_title():
    async def body(rig: Rig):
        openid = new_openid()
        buttons = menu_buttons()
        await rig.sim.say(openid, "event", event="subscribe")
        await rig.sim.say(openid, "text", content="2", settle=0.3)                      # the number
        await rig.sim.say(openid, "event", event="subscribe", create_time=1700000001)
        await rig.sim.say(openid, "text", content=buttons[2]["title"], menu_id="3", settle=0.3)   # the link
        await rig.sim.say(openid, "event", event="subscribe", create_time=1700000002)
        await rig.sim.say(openid, "text", content="４", settle=0.3)                      # full-width digit
        await rig.sim.say(openid, "event", event="subscribe", create_time=1700000003)
        await rig.sim.say(openid, "text", content=buttons[0]["title"], settle=0.3)      # the title typed
        await rig.sim.say(openid, "event", event="subscribe", create_time=1700000004)
        await rig.sim.say(openid, "text", content="9", settle=0.3)                      # no such button
        await rig.sim.say(openid, "text", content="1", settle=0.3)                      # last reply had none
        assert rig.assistant.texts_of(openid) == [
            WELCOME_PAYLOAD, buttons[1]["payload"], WELCOME_PAYLOAD, buttons[2]["payload"],
            WELCOME_PAYLOAD, buttons[3]["payload"], WELCOME_PAYLOAD, buttons[0]["payload"],
            WELCOME_PAYLOAD, "9", "1",
        ]

    run(use(Rig(), body))


def test_buttons_without_links_are_a_numbered_passive_reply():
    async def body(rig: Rig):
        openid = new_openid()
        replies = await rig.sim.say(openid, "event", event="subscribe", settle=0.3)
        assert [r["via"] for r in replies] == ["passive"]
        assert "<a " not in replies[0]["text"]
        for number, button in enumerate(menu_buttons(), 1):
            assert f"{number}. {button['title']}" in replies[0]["text"]
        await rig.sim.say(openid, "text", content="3", settle=0.3)
        assert rig.assistant.texts_of(openid)[-1] == menu_buttons()[2]["payload"]

    run(use(Rig(), body, link_buttons=False))


def test_menu_clicks_become_the_menu_payloads_and_other_events_say_nothing():
    async def body(rig: Rig):
        openid = new_openid()
        for n, key in enumerate(click_payloads()):
            await rig.sim.say(openid, "event", event="CLICK", key=key, create_time=1700000100 + n, settle=0.2)
        for n, event in enumerate(("unsubscribe", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH")):
            replies = await rig.sim.say(openid, "event", event=event, create_time=1700000200 + n, wait=0.5)
            assert replies == []
        assert rig.assistant.texts_of(openid) == list(click_payloads().values())

    run(use(Rig(), body))


def test_markdown_is_removed():
    async def body(rig: Rig):
        replies = await rig.sim.say(new_openid(), "text", content="格式", settle=0.3)
        text = replies[0]["text"]
        assert "所需材料" in text and "身份证" in text and "办事指南 https://example.invalid/g" in text
        assert not re.search(r"\*\*|##|\]\(|^\* ", text, re.M)

    run(use(Rig(), body))


def test_long_reply_arrives_in_order_in_parts_under_the_limit_cut_at_lines():
    async def body(rig: Rig):
        replies = await rig.sim.say(new_openid(), "text", content="长文")
        assert len(replies) > 1 and {r["via"] for r in replies} == {"custom"}
        assert all(utf8_len(r["text"]) <= 2048 for r in replies)
        lines = [line for r in replies for line in r["text"].split("\n")]
        assert lines == [f"第{i}行：" + "材料" * 20 for i in range(LONG_LINES)]

    run(use(Rig(), body))


def test_sender_is_the_openid_so_the_conversation_continues():
    async def body(rig: Rig):
        openid = new_openid()
        await rig.sim.say(openid, "text", content="第一句", settle=0.2)
        await rig.sim.say(openid, "text", content="第二句", settle=0.2)
        assert [(s, c) for s, _, c in rig.assistant.received] == [(openid, "wechat")] * 2

    run(use(Rig(), body))


def test_numbers_keep_the_assistants_meaning_when_its_text_numbers_things():
    async def body(rig: Rig):
        openid = new_openid()
        offered = menu_buttons()[3:]
        replies = await rig.sim.say(openid, "text", content="编号")
        text = replies[0]["text"]
        labels = [label for _, _, label in LINK.findall(text)]
        assert labels == [f"· {b['title']}" for b in offered] and text.endswith(TAP_HINT)
        await rig.sim.say(openid, "text", content="2", settle=0.3)                  # the assistant's item 2
        await rig.sim.say(openid, "text", content="编号")
        await rig.sim.say(openid, "text", content=offered[1]["title"], menu_id="2", settle=0.3)   # a tap
        await rig.sim.say(openid, "text", content="编号")
        await rig.sim.say(openid, "text", content=offered[2]["title"], settle=0.3)  # the title
        assert rig.assistant.texts_of(openid) == [
            "编号", "2", "编号", offered[1]["payload"], "编号", offered[2]["payload"],
        ]

    run(use(Rig(), body))


def test_a_number_answering_a_question_for_a_number_stays_a_number():
    async def body(rig: Rig):
        openid = new_openid()
        replies = await rig.sim.say(openid, "text", content="月数")
        assert "1. 跳过" not in replies[0]["text"] and "跳过" in replies[0]["text"]
        await rig.sim.say(openid, "text", content="1", settle=0.3)
        await rig.sim.say(openid, "text", content="月数")
        await rig.sim.say(openid, "text", content="跳过", menu_id="1", settle=0.3)     # the tap still works
        assert rig.assistant.texts_of(openid) == ["月数", "1", "月数", "跳过"]

    run(use(Rig(), body))
