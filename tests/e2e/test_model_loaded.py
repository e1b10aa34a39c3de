"""The trained model loads with every policy it was trained with.

Rasa's TEDPolicy.load catches a failed load and leaves the policy without a
model: the assistant then still answers every path a rule or story covers, so
no conversation test notices. This test loads the model as the Rasa server does
(with bot/tracker_store.py's patches installed) and checks that TED has its model.
"""
from __future__ import annotations

import asyncio

from scripts.stack import ensure_model


def test_ted_policy_has_its_model_after_loading():
    import bot.tracker_store  # noqa: F401  - installs bot/speedups.py, as in the server
    from rasa.core.agent import Agent
    from rasa.core.policies.ted_policy import TEDPolicy

    agent = Agent.load(str(ensure_model()))
    nodes = agent.processor.graph_runner._instantiated_nodes
    teds = [n._component for n in nodes.values() if isinstance(getattr(n, "_component", None), TEDPolicy)]
    assert teds, "no TEDPolicy in the loaded graph"
    assert all(t.model is not None for t in teds), "TEDPolicy loaded without its model"
    parsed = asyncio.run(agent.parse_message("工伤认定要带什么材料"))
    assert parsed["intent"]["name"] == "ask_question"
