"""Turns the assistant's replies into text that WeChat can show.

WeChat text messages have no buttons and no Markdown, and a length limit
(about 2,048 bytes). So:

* Markdown marks are removed (``**bold**`` -> bold, ``# 标题`` -> 标题,
  ``[文字](url)`` -> 文字 url);
* buttons become a numbered list the user can answer with the number; in
  customer-service messages each entry is also a ``weixin://bizmsgmenu`` link,
  whose tap sends the entry back with its menu id;
* the text is split at line boundaries into parts under the byte limit.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

TEXT_LIMIT_BYTES = 2000      # below WeChat's 2,048 bytes, leaving room for link markup rounding
CHOOSE_HINT = "回复数字即可选择，如回复“1”。"
TAP_HINT = "点击上面的选项即可选择。"
NAME_HINT = "回复选项名称即可选择。"

# Emphasis only where Markdown would see it, never inside masked numbers (4452**********1236,
# 138****5678) or masked names (张*): no letter, digit or asterisk right outside the marks.
_BOLD = re.compile(r"(?<![0-9A-Za-z*])(\*\*|__)(?=[^\s*])([^*\n]+?)(?<=[^\s*])\1(?![0-9A-Za-z*])")
_ITALIC = re.compile(r"(?<![\w*\\])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_CODE = re.compile(r"`([^`\n]*)`")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_BULLET = re.compile(r"^(\s*)[*+]\s+", re.M)
_QUOTE = re.compile(r"^\s{0,3}>\s?", re.M)
_NUMBERED_LINE = re.compile(r"^\s*(?:\d{1,2}|[①-⑳])\s*[.、．)）]\s*\S", re.M)
_ASKS_NUMBER = re.compile(r"数字|序号|月数|天数|几个月|几天|多少")
_RULE = re.compile(r"^\s*([-*_])\1{2,}\s*$", re.M)


def plain_text(text: str) -> str:
    """Removes Markdown; keeps line breaks, numbering and Chinese punctuation."""
    text = _LINK.sub(lambda m: f"{m.group(1)} {m.group(2)}", text or "")
    text = _CODE.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC.sub(r"\1", text)
    text = _HEADING.sub("", text)
    text = _RULE.sub("", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub(r"\1- ", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def menu_content(title: str) -> str:
    """A button title as it may appear inside a bizmsgmenu link (no markup characters)."""
    return re.sub(r"[\"'<>&\n]", "", title).strip()


def button_lines(buttons: Sequence[Dict[str, Any]], links: bool, numbered: bool = True) -> List[str]:
    lines = []
    for number, button in enumerate(buttons, start=1):
        title = plain_text(str(button.get("title", ""))).replace("\n", " ")
        label = f"{number}. " if numbered else "· "
        if links:
            content = menu_content(title)
            lines.append(
                f'<a href="weixin://bizmsgmenu?msgmenucontent={content}&msgmenuid={number}">{label}{content}</a>'
            )
        else:
            lines.append(f"{label}{title}")
    return lines


def has_own_numbering(text: str) -> bool:
    """True when the assistant's text numbers something itself (“1. 失业登记”): then its numbers mean that."""
    return bool(_NUMBERED_LINE.search(text))


def asks_for_number(text: str) -> bool:
    """True when the assistant asks for a number (months, days, an amount): “1” is then an answer."""
    return bool(_ASKS_NUMBER.search(text))


def render_turn(messages: Sequence[Dict[str, Any]], links: bool) -> Dict[str, Any]:
    """One reply turn -> {"text", "buttons", "numbered"}.

    The buttons are those of the last message that had any: only that list can
    be answered. Two or more are numbered, and “2” chooses the second, unless
    the assistant's own text already numbers something (its items, the fields
    of a summary) or asks for a number (months, days): then a number keeps the
    assistant's meaning, and the buttons are chosen by tapping or by their
    title. A single button (跳过, 开始申请) is never chosen by “1”."""
    texts: List[str] = []
    buttons: List[Dict[str, Any]] = []
    at = -1
    for message in messages:
        text = plain_text(str(message.get("text") or ""))
        if message.get("image"):
            text = (text + "\n" if text else "") + f"图片：{message['image']}"
        if message.get("attachment"):
            text = (text + "\n" if text else "") + f"附件：{message['attachment']}"
        own = [b for b in message.get("buttons") or [] if b.get("title") and b.get("payload")]
        if own:
            buttons, at = own, len(texts)
        texts.append(text)
    numbered = len(buttons) >= 2 and not any(has_own_numbering(t) or asks_for_number(t) for t in texts)
    blocks = []
    for index, text in enumerate(texts):
        if index == at:
            text = "\n".join([t for t in (text,) if t] + button_lines(buttons, links, numbered))
        if text:
            blocks.append(text)
    if buttons:
        blocks.append(CHOOSE_HINT if numbered else (TAP_HINT if links else NAME_HINT))
    return {"text": "\n\n".join(blocks), "buttons": buttons, "numbered": numbered}


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> List[str]:
    """Parts of at most ``limit`` UTF-8 bytes, cut at line boundaries (inside a line only if it alone is too long)."""
    parts: List[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = [line] if utf8_len(line) <= limit else _cut_line(line, limit)
        for piece in pieces:
            candidate = piece if not current else current + "\n" + piece
            if utf8_len(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    parts.append(current.strip("\n"))
                current = piece
    if current.strip():
        parts.append(current.strip("\n"))
    return parts


def _cut_line(line: str, limit: int) -> List[str]:
    pieces, current = [], ""
    for char in line:
        if utf8_len(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    if current:
        pieces.append(current)
    return pieces


def pick_button(buttons: Sequence[Dict[str, str]], text: str, menu_id: Optional[str],
                numbered: bool = True) -> Optional[str]:
    """The payload meant by a reply to the last offered buttons: a menu-link tap, its number
    (when the buttons were numbered) or its exact title."""
    if not buttons:
        return None
    if menu_id and menu_id.isdigit() and 1 <= int(menu_id) <= len(buttons):
        # a link of the latest list; a tap on a link of an older message falls through to its text
        tapped = buttons[int(menu_id) - 1]
        if menu_content(plain_text(str(tapped.get("title", "")))) == (text or "").strip():
            return tapped["payload"]
    answer = (text or "").strip().translate(_FULLWIDTH_DIGITS).rstrip("。.、！!")
    spoken = re.fullmatch(r"(?:第|选)?([一二两三四五六七八九十])(?:个|项|条)?", answer)
    if spoken and numbered:          # a voice answer: 第二个, 选三
        answer = str("一二三四五六七八九十".index(spoken.group(1).replace("两", "二")) + 1)
    if numbered and answer.isdigit() and 1 <= int(answer) <= len(buttons):
        return buttons[int(answer) - 1]["payload"]
    for button in buttons:
        title = plain_text(str(button.get("title", "")))
        if answer and answer in (title, menu_content(title), f"{buttons.index(button) + 1}. {menu_content(title)}",
                                 f"· {menu_content(title)}"):
            return button["payload"]
    return None


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
