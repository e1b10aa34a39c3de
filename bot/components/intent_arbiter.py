"""Where the classifier and the knowledge base disagree about a question, the words decide.

The classifier sees n-grams; the knowledge base sees what a message asks. A
terse agent query (“职业介绍 办理材料”) or a situation that ends in a question
can look like a selection or a need to the classifier although it names an
item *and* asks one of its aspects. This step, placed right after the
classifier, makes ``ask_question`` the intent when

    the classifier's choice is a selection-like intent (``intents_overruled``),
    the message asks at least one aspect and names an item, service or bundle
    (or is worded as a question), carries no selection cue (选/加上/我要办 …),
    and ``ask_question`` is among the classifier's top ``within_top`` guesses —
    or, for a story (``describe_need``), its last clause is a question: a
    situation followed by a question about something it names wants the
    answer, not a suggestion.

The other way round, a message the classifier reads as a question becomes
``describe_need`` when it names nothing (no item, service or bundle), asks no
aspect beyond “what to do” (咋办, 怎么办), tells a life situation the
lexicon knows (被辞退, 受伤 …): “被辞退了怎么办” wants the items people in it
apply for.

Its confidence becomes the overruled intent's, so the fallback threshold
still applies. Nothing else changes; the cue words are knowledge/data/lexicon.yml's.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

QUESTION = "ask_question"
NEED = "describe_need"
PROGRESS = "check_progress"
OUT_OF_SCOPE = "out_of_scope"


def swapped(ranking: List[Dict[Text, Any]], intent: Dict[Text, Any], chosen: Text) -> List[Dict[Text, Any]]:
    """The ranking with the chosen intent first at the top confidence and the overruled one in its place.

    Keeping the overruled intent at the same confidence would make the two look
    equally likely, and the fallback's ambiguity threshold would then turn every
    overruled message into nlu_fallback."""
    top = intent.get("name")
    top_confidence = intent.get("confidence", 0.0)
    chosen_confidence = next((r.get("confidence", 0.0) for r in ranking if r.get("name") == chosen), 0.0)
    out = [{"name": chosen, "confidence": top_confidence}]
    for r in ranking:
        if r.get("name") == chosen:
            continue
        out.append({**r, "confidence": chosen_confidence} if r.get("name") == top else r)
    if top and all(r.get("name") != top for r in ranking):
        out.insert(1, {"name": top, "confidence": chosen_confidence})
    return out[:1] + sorted(out[1:], key=lambda r: -r.get("confidence", 0.0))


#: What a need asks when nothing is named: what to do, which items, whether one may (“能办啥”, “能申请啥”).
WHAT_TO_DO = {"howto", "policy", "overview", "eligibility"}


def named_bundle(a) -> bool:
    """A bundle named as such (“失业一件事”), not a situation word that is also a bundle's (“我失业了”)."""
    return bool(a.bundle) and "一件事" in a.text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class KnowledgeIntentArbiter(GraphComponent):
    @classmethod
    def fingerprint_addon(cls, config):
        """The component's code and knowledge/ are part of what its output depends on."""
        from bot.components.fingerprint import addon

        return addon()

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intents_overruled": ["select_items", "choose_bundle", "describe_need", "select_all", "out_of_scope"],
                "within_top": 3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        from knowledge import load_kb
        from knowledge.understand import analyze

        self.kb = load_kb()
        self._analyze = analyze
        self.overruled = set(config.get("intents_overruled") or ())
        self.within_top = int(config.get("within_top", 3))
        # words that ask where something is shown rather than how one's own case stands (lexicon)
        self.where_to_look = [str(w) for w in (self.kb.lexicon or {}).get("where_to_look") or ()]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeIntentArbiter":
        return cls(config)

    def decide(self, text: Text, intent: Dict[Text, Any], ranking: List[Dict[Text, Any]]) -> bool:
        """True when the message should be read as a question."""
        if intent and intent.get("name") == PROGRESS:
            return self.asks_where_to_look(text, ranking) or self.asks_how_long_in_general(text, ranking)
        if not intent or intent.get("name") not in self.overruled:
            return False
        a = self._analyze(self.kb, text)
        named = bool(a.items or a.services or a.bundle)
        # a selection cue (要办, 选上) counts unless the message is worded as a question
        # (“失业登记要办多久”, “我要办失业登记，要带什么”: the answer comes first)
        if not a.aspects or ("select" in a.acts and not a.question) or not (named or a.question):
            return False
        if intent.get("name") == OUT_OF_SCOPE and not named:
            return False   # “养老保险怎么交”: asks something, but nothing the guides cover
        if intent.get("name") == NEED:
            if not (a.items or a.services or named_bundle(a)) and not set(a.aspects) - WHAT_TO_DO:
                return False   # “被公司辞退了咋办”, “我被欠薪了，帮我看看能办啥”: a need told, nothing named or asked
            if a.question_at_end:
                return True    # a story that ends asking about something named
            if set(a.aspects) - {"howto", "policy"} and a.situation_items:
                return True    # “厂里拖了我工资，去哪投诉，要准备啥”: the situation's items answer it
        names = [r.get("name") for r in ranking[: self.within_top]]
        return QUESTION in names

    def asks_where_to_look(self, text: Text, ranking: List[Dict[Text, Any]]) -> bool:
        """“进度结果查询在个人中心的哪里查看”: where progress is shown on the platform is a
        how-to question, not a lookup of one's own case."""
        a = self._analyze(self.kb, text)
        if a.howto_topic != "progress" or not {"howto", "channel"} & set(a.aspects):
            return False
        if not any(w and w in a.text for w in self.where_to_look):
            return False
        return QUESTION in [r.get("name") for r in ranking[: self.within_top]]

    def asks_how_long_in_general(self, text: Text, ranking: List[Dict[Text, Any]]) -> bool:
        """“工伤认定申请后多久出结论”: a named item's deadline asked in general, no word of one's own
        case (我的, 我申请的, 办到哪 ...), is a question, not a lookup."""
        a = self._analyze(self.kb, text)
        if "own_case" in a.acts or not (a.items or a.services) or not a.aspects or not a.question:
            return False
        return QUESTION in [r.get("name") for r in ranking[: self.within_top]]

    def is_need(self, text: Text, intent: Dict[Text, Any], ranking: List[Dict[Text, Any]]) -> bool:
        """True when a 'question' is a situation that names and asks nothing the guides answer."""
        if not intent or intent.get("name") != QUESTION:
            return False
        a = self._analyze(self.kb, text)
        asked = set(a.aspects) - {"policy"} - ({"howto"} if a.apply else set())   # “咋办” asks what to do
        # what describe_need means, whatever the classifier's ranking says (a question of which items
        # the situation needs, “失业了能领点啥补贴不”, stays the question the classifier read)
        return not (a.items or a.services or a.bundle or asked) and bool(a.situation_items)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            intent = message.get(INTENT) or {}
            ranking = list(message.get(INTENT_RANKING_KEY) or [])
            if not isinstance(text, str) or text.startswith("/"):
                continue
            if self.decide(text, intent, ranking):
                chosen = QUESTION
            elif self.is_need(text, intent, ranking):
                chosen = NEED
            else:
                continue
            message.set(INTENT, {"name": chosen, "confidence": intent.get("confidence", 0.0)}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, swapped(ranking, intent, chosen), add_to_output=True)
        return messages
