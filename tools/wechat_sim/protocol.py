"""The WeChat side of the callback protocol: user messages as WeChat sends them, signed and encrypted.

Used by the simulator and by the tests, so that both speak the real wire format:
XML with CDATA, ``signature`` / ``timestamp`` / ``nonce`` / ``openid`` in the
query, and in compatible or safe mode ``encrypt_type=aes`` and
``msg_signature`` with an AES-CBC ``Encrypt`` field (wechatpy's WeChatCrypto,
the same algorithm WeChat uses).
"""
from __future__ import annotations

import hashlib
import random
import string
import time
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import xmltodict

MODES = ("plain", "compatible", "safe")


def random_nonce(length: int = 10) -> str:
    return "".join(random.choice(string.digits + string.ascii_letters) for _ in range(length))


def new_msg_id() -> str:
    return str(random.randint(10 ** 18, 9 * 10 ** 18))


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def _field(name: str, value) -> str:
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    text = str(value).replace("]]>", "]]]]><![CDATA[>")
    return f"<{name}><![CDATA[{text}]]></{name}>"


def message_xml(account: str, openid: str, msg_type: str, create_time: Optional[int] = None, **values) -> str:
    """One callback message. ``values`` are WeChat's own field names (Content, MsgId, Event, EventKey, ...)."""
    parts = [
        _field("ToUserName", account), _field("FromUserName", openid),
        _field("CreateTime", int(create_time or time.time())), _field("MsgType", msg_type),
    ]
    for name, value in values.items():
        if value is not None:
            parts.append(_field(name, value))
    return "<xml>" + "".join(parts) + "</xml>"


def text_xml(account: str, openid: str, content: str, msg_id: Optional[str] = None, menu_id: Optional[str] = None) -> str:
    return message_xml(account, openid, "text", Content=content, MsgId=int(msg_id or new_msg_id()),
                       bizmsgmenuid=menu_id)


def voice_xml(account: str, openid: str, recognition: Optional[str], media_id: str = "voice-media",
              msg_id: Optional[str] = None) -> str:
    return message_xml(account, openid, "voice", MediaId=media_id, Format="amr",
                       Recognition=recognition if recognition is not None else None, MsgId=int(msg_id or new_msg_id()))


def image_xml(account: str, openid: str, media_id: str, pic_url: str = "http://mmbiz.qpic.cn/sim.jpg",
              msg_id: Optional[str] = None) -> str:
    return message_xml(account, openid, "image", PicUrl=pic_url, MediaId=media_id, MsgId=int(msg_id or new_msg_id()))


def location_xml(account: str, openid: str, msg_id: Optional[str] = None) -> str:
    return message_xml(account, openid, "location", Location_X="23.5418", Location_Y="116.3729", Scale=15,
                       Label="广东省揭阳市榕城区", MsgId=int(msg_id or new_msg_id()))


def link_xml(account: str, openid: str, msg_id: Optional[str] = None) -> str:
    return message_xml(account, openid, "link", Title="链接", Description="一条链接", Url="http://example.invalid/",
                       MsgId=int(msg_id or new_msg_id()))


def event_xml(account: str, openid: str, event: str, key: Optional[str] = None, create_time: Optional[int] = None) -> str:
    return message_xml(account, openid, "event", create_time=create_time, Event=event, EventKey=key)


@dataclass
class Signer:
    """Signs (and in compatible/safe mode encrypts) requests exactly as WeChat does."""

    token: str
    app_id: str = ""
    encoding_aes_key: str = ""
    mode: str = "plain"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.crypto = None
        if self.encoding_aes_key:
            from wechatpy.crypto import WeChatCrypto

            self.crypto = WeChatCrypto(self.token, self.encoding_aes_key, self.app_id)

    def sign_request(self, xml: str, openid: str = "", timestamp: Optional[int] = None,
                     nonce: Optional[str] = None) -> Tuple[Dict[str, str], bytes]:
        """(query parameters, body) of one POST to the developer's server."""
        ts = str(int(timestamp if timestamp is not None else time.time()))
        nonce = nonce or random_nonce()
        query = {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if openid:
            query["openid"] = openid
        if self.mode == "plain":
            return query, xml.encode("utf-8")
        if self.crypto is None:
            raise ValueError("compatible and safe mode need the EncodingAESKey")
        encrypted = xmltodict.parse(self.crypto.encrypt_message(xml, nonce, ts))["xml"]["Encrypt"]
        query["encrypt_type"] = "aes"
        query["msg_signature"] = signature(self.token, ts, nonce, encrypted)
        doc = xmltodict.parse(xml)["xml"]
        if self.mode == "safe":
            body = f"<xml>{_field('ToUserName', doc['ToUserName'])}{_field('Encrypt', encrypted)}</xml>"
        else:   # compatible: the plaintext fields and the encrypted copy
            body = xml[: -len("</xml>")] + _field("Encrypt", encrypted) + "</xml>"
        return query, body.encode("utf-8")

    def verification_query(self, echostr: str, timestamp: Optional[int] = None) -> Dict[str, str]:
        ts = str(int(timestamp if timestamp is not None else time.time()))
        nonce = random_nonce()
        return {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": echostr}

    def read_reply(self, body: str) -> Optional[Dict[str, str]]:
        """The passive reply as a dict of its fields (None for ``success`` / empty); encrypted replies are checked."""
        body = (body or "").strip()
        if not body or body == "success":
            return None
        doc = xmltodict.parse(body)["xml"]
        if "Encrypt" in doc:
            if self.crypto is None:
                raise ValueError("encrypted reply but no EncodingAESKey")
            expected = signature(self.token, doc["TimeStamp"], doc["Nonce"], doc["Encrypt"])
            if expected != doc.get("MsgSignature"):
                raise ValueError("the reply's MsgSignature is wrong")
            doc = xmltodict.parse(self.crypto.decrypt_message(body, doc["MsgSignature"], doc["TimeStamp"], doc["Nonce"]))["xml"]
        return {k: (v if isinstance(v, str) else "") for k, v in doc.items()}


