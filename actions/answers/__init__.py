"""Answers to questions, composed from ``knowledge/`` at run time.

    ask.py          what this turn asks (items, services, aspects, region), from the
                    message or a button payload, plus the conversation's selection
    render.py       formatting shared by every answer (sources, materials, deadlines)
    targets.py      the things a question can be about: items and 湖南 services
    facts.py        one block per aspect and target (materials, deadline, ...)
    topics.py       answers that are not about one item (how-to steps, rules an office
                    must follow, deregistration cases, “311”, region differences)
    search.py       passage search, for questions the structured answers do not cover
    compose.py      every aspect asked, for every target named, in one reply
    action.py       ``action_answer_question``

None of this touches the selection slots: a question asked in the middle of
choosing items loses nothing.
"""
