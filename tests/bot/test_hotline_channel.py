"""The hotline input channel (agent identity from the trusted hop) and the `channel: hotline`
response variations of the domain."""
from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.hotline import HotlineOutput, agent_of

DOMAIN = Path(__file__).resolve().parents[2] / "bot" / "domain"


def test_agent_identity_comes_from_the_hops_headers():
    ok = {"X-Staff-Id": "staff-3", "X-Staff-Name": quote("王坐席")}
    assert agent_of(ok) == {"staff_id": "staff-3", "name": "王坐席"}
    for bad in ({}, {"X-Staff-Id": "staff 3", "X-Staff-Name": "x"}, {"X-Staff-Id": "staff-3"},
                {"X-Staff-Id": "staff-3", "X-Staff-Name": "%ff%fe"}, {"X-Staff-Id": "s", "X-Staff-Name": "a%0Ab"}):
        assert agent_of(bad) is None, bad


def test_hotline_variations_are_chosen_for_the_hotline_output_channel_only():
    domain = Domain.load(str(DOMAIN))
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    tracker = DialogueStateTracker("hotline-1", domain.slots)
    hotline = asyncio.run(nlg.generate("utter_goodbye", tracker, HotlineOutput.name()))
    web = asyncio.run(nlg.generate("utter_goodbye", tracker, "collector"))
    variations = domain.responses["utter_goodbye"]
    assert hotline["text"] == next(v["text"] for v in variations if v.get("channel") == "hotline")
    assert web["text"] == next(v["text"] for v in variations if not v.get("channel"))
