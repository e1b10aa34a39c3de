"""The account's menu (as data, matching the main menu, published) and the text rendering rules."""
from __future__ import annotations

import copy
import json
import re

import pytest

from actions.menu import menu_buttons
from bot.channels import wechat_menu
from bot.channels.wechat_render import pick_button, plain_text, split_text, utf8_len
from knowledge.personal_data import mask_bank_card, mask_id_number, mask_name, mask_phone
from tests.wechat.conftest import Rig, run, use


def parse_payload(payload: str):
    match = re.fullmatch(r"/(\w+)(\{.*\})?", payload)
    assert match, payload
    return match.group(1), json.dumps(json.loads(match.group(2) or "{}"), sort_keys=True, ensure_ascii=False)


def test_menu_is_within_wechat_limits():
    menu = wechat_menu.load_menu()
    assert wechat_menu.problems(menu) == []
    assert len(menu["button"]) == 3


def test_menu_offers_exactly_the_main_menu():
    leaves = wechat_menu.leaves(wechat_menu.load_menu())
    assert sorted(parse_payload(l["payload"]) for l in leaves) == sorted(
        parse_payload(b["payload"]) for b in menu_buttons()
    )


def test_menu_limits_are_enforced():
    menu = wechat_menu.load_menu()
    too_many = copy.deepcopy(menu)
    too_many["button"][0]["sub_button"] *= 2
    long_name = copy.deepcopy(menu)
    long_name["button"][1]["name"] = "查询和咨询服务"
    four = copy.deepcopy(menu)
    four["button"].append(copy.deepcopy(menu["button"][2]))
    for broken in (too_many, long_name, four):
        assert wechat_menu.problems(broken)


def test_publish_sends_the_menu_to_menu_create(monkeypatch):
    async def body(rig: Rig):
        for name, value in (("WECHAT_APP_ID", rig.config.app_id), ("WECHAT_APP_SECRET", rig.config.app_secret),
                            ("WECHAT_API_BASE", rig.sim.url), ("WECHAT_REDIS_URL", ""), ("LOCK_STORE_REDIS_URL", "")):
            monkeypatch.setenv(name, value)
        menu = wechat_menu.load_menu()
        await wechat_menu.publish(menu)
        assert rig.sim.menu == wechat_menu.to_wechat(menu)
        keys = [leaf["key"] for entry in rig.sim.menu["button"] for leaf in entry.get("sub_button") or [entry]]
        assert keys == list(wechat_menu.click_payloads())
        # the simulator refuses what WeChat refuses
        broken = copy.deepcopy(menu)
        broken["button"][0]["sub_button"] *= 2
        with pytest.raises(Exception) as err:
            await wechat_menu.publish(broken)
        assert getattr(err.value, "errcode", None) == 40023

    run(use(Rig(), body))


@pytest.mark.parametrize("limit", [40, 120, 2000])
def test_split_keeps_every_line_once_in_order_under_the_limit(limit):
    text = "\n".join(f"{i}. " + "失业保险金申领" * (i % 7) for i in range(200))
    parts = split_text(text, limit)
    assert all(utf8_len(p) <= limit for p in parts)
    assert "".join("\n".join(parts).split("\n")) == "".join(text.split("\n"))


def test_a_single_overlong_line_is_cut_by_characters():
    line = "材料" * 2000
    parts = split_text(line, 2000)
    assert "".join(parts) == line and all(utf8_len(p) <= 2000 for p in parts)


def test_plain_text_removes_markdown_but_keeps_numbering():
    text = "# 标题\n**重点**，*强调*，`代码`\n1. 第一项\n- 第二项\n* 第三项\n> 引用\n---\n[指南](https://example.invalid)"
    assert plain_text(text) == "标题\n重点，强调，代码\n1. 第一项\n- 第二项\n- 第三项\n引用\n\n指南 https://example.invalid"


def test_masked_personal_data_is_left_alone():
    text = (f"1. 身份证号：{mask_id_number('445202199001012035')}\n2. 电话：{mask_phone('13812345678')}，"
            f"姓名：{mask_name('张三')}，联系人：{mask_name('李小明')}\n3. 银行卡：{mask_bank_card('6217000000012035')}")
    assert plain_text(text) == text


def test_pick_button_rules():
    buttons = [{"title": b["title"], "payload": b["payload"]} for b in menu_buttons()]
    assert pick_button(buttons, "1", None) == buttons[0]["payload"]
    assert pick_button(buttons, "1。", None) == buttons[0]["payload"]
    assert pick_button(buttons, buttons[4]["title"], "5") == buttons[4]["payload"]
    # a link of an older list (another title under the same id) is not taken for this list's entry
    assert pick_button(buttons, "随便", "2") is None
    assert pick_button(buttons, buttons[3]["title"], "2") == buttons[3]["payload"]
    assert pick_button(buttons, "第二个", None) == buttons[1]["payload"]      # as speech recognition writes it
    assert pick_button(buttons, "三", None) == buttons[2]["payload"]
    assert pick_button(buttons, "0", None) is None
    assert pick_button(buttons, "13812345678", None) is None
    assert pick_button([], "1", None) is None
