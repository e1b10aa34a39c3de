"""The trained model loads with every policy it was trained with.

Rasa's TEDPolicy.load catches a ValueError raised while loading (meant for "no
model stored") and leaves the policy without a model: the assistant then still
answers every path a rule or story covers, so no conversation test notices.
This test loads the model as the Rasa server does (bot/speedups.py installed,
as the tracker store installs it before the model is loaded), checks that TED
has its model and that it was loaded by the fast path (bot.speedups falls back
to Rasa's own load on any failure, which would quietly cost the start-up time).
"""
from __future__ import annotations

import asyncio

from scripts.stack import ensure_model


def test_ted_policy_has_its_model_after_loading():
    from bot import speedups

    # importing bot.tracker_store does not install the patches: constructing the
    # store does (in the server); here they are installed the same way, explicitly
    speedups.install()
    from rasa.core.agent import Agent
    from rasa.core.policies.ted_policy import TEDPolicy

    before = dict(speedups.model_load_paths)
    agent = Agent.load(str(ensure_model()))
    nodes = agent.processor.graph_runner._instantiated_nodes
    teds = [n._component for n in nodes.values() if isinstance(getattr(n, "_component", None), TEDPolicy)]
    assert teds, "no TEDPolicy in the loaded graph"
    assert all(t.model is not None for t in teds), "TEDPolicy loaded without its model"
    assert speedups.model_load_paths["fast"] - before["fast"] == len(teds), speedups.model_load_paths
    assert speedups.model_load_paths["rasa"] == before["rasa"], "TED fell back to Rasa's slow load"
    parsed = asyncio.run(agent.parse_message("工伤认定要带什么材料"))
    assert parsed["intent"]["name"] == "ask_question"
