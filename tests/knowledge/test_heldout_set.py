"""The held-out understanding set (benchmarks/understanding/heldout.yml) is well-formed.

Checks labels against the intent/aspect taxonomy and the knowledge base, the
coverage minimums the set promises, and the shape each category implies.
Needs only PyYAML and `knowledge`, so it runs in the bot and backend envs.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml
import zhconv

HELDOUT = Path(__file__).resolve().parents[2] / "benchmarks" / "understanding" / "heldout.yml"

# The taxonomy decided for the NLU: what the user does (intent) and what a
# question is about (aspects). Labels outside these sets are errors.
QUESTION = "ask_question"
OTHER_INTENTS = (
    "greet", "goodbye", "thank", "bot_challenge", "ask_capabilities", "restart", "human_handoff",
    "affirm", "deny", "out_of_scope", "choose_bundle", "select_items", "select_all", "remove_item",
    "list_selection", "done_selecting", "describe_need", "start_application", "continue_application",
    "resubmit_application", "cancel", "check_progress",
)
INTENTS = (QUESTION,) + OTHER_INTENTS
ASPECTS = (
    "materials", "deadline", "eligibility", "channel", "howto", "rules", "deregistration",
    "service_311", "difference", "linked", "form", "overview", "policy",
)
CATEGORIES = (
    "colloquial", "terse", "typo", "traditional", "fullwidth", "long", "multi_aspect",
    "multi_item", "situation", "rule", "region", "formal",
)
REGIONS = ("揭阳", "北京", "湖南")
KEYS = {"text", "intent", "items", "services", "bundles", "bundle", "aspects", "region", "category"}

# Coverage the set promises (see benchmarks/understanding/README.md).
MIN_MESSAGES = 620
MIN_PER_OTHER_INTENT = 20
MIN_QUESTIONS = 260
MIN_QUESTIONS_PER_ITEM = 4
MIN_PER_ASPECT = 10
MIN_PER_CATEGORY = 20
MIN_QUESTIONS_PER_SERVICE = 3     # 湖南 services that are not items
LONG_CHARS = 100


@pytest.fixture(scope="module")
def messages():
    with open(HELDOUT, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert data["version"] == 1
    assert isinstance(data["messages"], list)
    return data["messages"]


def _regions(message) -> list:
    region = message.get("region")
    if region is None:
        return []
    return [region] if isinstance(region, str) else list(region)


def test_every_message_has_known_keys_and_labels(messages, kb):
    errors = []
    for n, m in enumerate(messages):
        where = f"#{n} {m.get('text')!r}"
        if set(m) - KEYS:
            errors.append(f"{where}: unknown keys {sorted(set(m) - KEYS)}")
        if not isinstance(m.get("text"), str) or not m["text"].strip():
            errors.append(f"{where}: empty text")
        if m.get("intent") not in INTENTS:
            errors.append(f"{where}: unknown intent {m.get('intent')!r}")
        if m.get("category") not in CATEGORIES:
            errors.append(f"{where}: unknown category {m.get('category')!r}")
        for item in m.get("items", []):
            if item not in kb.items:
                errors.append(f"{where}: unknown item {item!r}")
        for service in m.get("services", []):
            if service not in kb.services:
                errors.append(f"{where}: unknown service {service!r}")
            elif kb.services[service].item_id:
                errors.append(f"{where}: service {service!r} is item {kb.services[service].item_id!r}; label the item")
        for bundle in m.get("bundles", []) + ([m["bundle"]] if "bundle" in m else []):
            if bundle not in kb.bundles:
                errors.append(f"{where}: unknown bundle {bundle!r}")
        for region in _regions(m):
            if region not in REGIONS:
                errors.append(f"{where}: unknown region {region!r}")
        aspects = m.get("aspects", [])
        for aspect in aspects:
            if aspect not in ASPECTS:
                errors.append(f"{where}: unknown aspect {aspect!r}")
        if m.get("intent") == QUESTION:
            if not aspects:
                errors.append(f"{where}: a question without aspects")
            for key in ("items", "services", "aspects", "region"):
                if key not in m:
                    errors.append(f"{where}: question without {key!r}")
        elif aspects:
            errors.append(f"{where}: aspects on a {m.get('intent')} message")
        if m.get("intent") == "choose_bundle" and "bundle" not in m:
            errors.append(f"{where}: choose_bundle without bundle")
        for key in ("items", "services", "aspects", "bundles"):
            values = m.get(key, [])
            if len(values) != len(set(values)):
                errors.append(f"{where}: repeated {key}")
    assert not errors, "\n".join(errors)


def test_no_two_messages_are_identical(messages):
    counts = Counter(unicodedata.normalize("NFC", m["text"]).strip() for m in messages)
    repeated = [text for text, n in counts.items() if n > 1]
    assert not repeated, repeated


def test_coverage_minimums(messages, kb):
    assert len(messages) >= MIN_MESSAGES
    intents = Counter(m["intent"] for m in messages)
    short = {i: intents[i] for i in OTHER_INTENTS if intents[i] < MIN_PER_OTHER_INTENT}
    assert not short, f"intents below {MIN_PER_OTHER_INTENT}: {short}"
    assert intents[QUESTION] >= MIN_QUESTIONS

    questions = [m for m in messages if m["intent"] == QUESTION]
    items = Counter(i for m in questions for i in m["items"])
    short = {i: items[i] for i in kb.items if items[i] < MIN_QUESTIONS_PER_ITEM}
    assert not short, f"items asked about fewer than {MIN_QUESTIONS_PER_ITEM} times: {short}"

    services = Counter(s for m in questions for s in m["services"])
    plain = [sid for sid, service in kb.services.items() if not service.item_id]
    short = {s: services[s] for s in plain if services[s] < MIN_QUESTIONS_PER_SERVICE}
    assert not short, f"湖南 services asked about fewer than {MIN_QUESTIONS_PER_SERVICE} times: {short}"

    aspects = Counter(a for m in questions for a in m["aspects"])
    short = {a: aspects[a] for a in ASPECTS if aspects[a] < MIN_PER_ASPECT}
    assert not short, f"aspects below {MIN_PER_ASPECT}: {short}"

    categories = Counter(m["category"] for m in messages)
    short = {c: categories[c] for c in CATEGORIES if categories[c] < MIN_PER_CATEGORY}
    assert not short, f"categories below {MIN_PER_CATEGORY}: {short}"

    for region in REGIONS:
        assert any(region in _regions(m) for m in questions), region


_FULLWIDTH_ASCII = re.compile(r"[\uFF01-\uFF5E]")
_USUAL_CJK_PUNCT = set("，？！：；（）")


def test_categories_have_their_shape(messages):
    errors = []
    for m in messages:
        text, category = m["text"], m["category"]
        refs = len(m.get("items", [])) + len(m.get("services", [])) + len(m.get("bundles", []))
        if category == "multi_aspect" and len(m.get("aspects", [])) < 2:
            errors.append(f"multi_aspect with fewer than 2 aspects: {text}")
        elif category == "multi_item" and refs < 2:
            errors.append(f"multi_item with fewer than 2 items/services: {text}")
        elif category == "long" and len(text) < LONG_CHARS:
            errors.append(f"long message of {len(text)} characters: {text}")
        elif category == "region" and not _regions(m):
            errors.append(f"region message without a region: {text}")
        elif category == "fullwidth" and not any(
            _FULLWIDTH_ASCII.match(c) and c not in _USUAL_CJK_PUNCT for c in text
        ):
            errors.append(f"fullwidth message without full-width ASCII forms: {text}")
        elif category == "traditional" and zhconv.convert(text, "zh-cn") == text:
            errors.append(f"traditional message written in simplified characters: {text}")
    assert not errors, "\n".join(errors)
