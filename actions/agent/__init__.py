"""The 12333 agent register: the same conversation, worded for an agent on a call.

    register.py   is this turn from the agent console (input channel ``hotline``)? who is the agent?
    script.py     an answer as a script: 话术 to read aloud, the next question, facts with guide,
                  region and table row, region differences spelled out
    form.py       the application form for an agent: each personal value read back masked,
                  the next field to ask
    handoff.py    the context a conversation is queued with when a citizen asks for a person

Nothing here decides what the conversation does: the actions decide, these
modules only add a custom payload ``{"agent": {...}}`` when the agent console asks.
"""
