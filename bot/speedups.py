"""Process-wide speed fixes for Rasa 3.6.21, same behaviour, less CPU per message.

Found by profiling a Rasa server under a complete application
(benchmarks/load/profile_turns.py --py-spy, README "Throughput and scale-out"):

* **Action-server responses were validated against a schema that was itself
  re-validated on every call.** ``RemoteAction._validate_action_result`` calls
  ``jsonschema.validate(result, schema)``; that function first checks the
  schema (Rasa's events schema, dozens of ``anyOf`` branches) against the
  JSON-Schema meta-schema, every time. That was 38 % of Rasa's CPU in a form
  turn (two action calls per turn). Here the validator is built and the schema
  checked once; each response is still validated against the same schema and a
  bad response raises the same ``ValidationError`` with Rasa's message.
* **Every event read from the tracker store looked its class up by walking
  Rasa's whole ``Event`` class tree** (``Event.resolve_by_type`` ->
  ``all_subclasses``), about 5 % of the CPU: a conversation of 300 events is
  read on every message. Here the lookup is a dictionary built from the same
  walk; a type name it does not hold (a class defined later) falls back to
  Rasa's own walk.
* **Every policy, at every prediction, recomputed which events of the whole
  conversation still apply** (``DialogueStateTracker.applied_events``: undone
  and form-loop turns removed, with a backward scan per form step), about 8 %
  of the CPU and growing with the conversation. The result depends only on
  the sequence of events, which Rasa only appends to; here it is kept on the
  tracker with the length and the first and last event of the sequence it was
  computed for, and recomputed as soon as any of them differs. Callers get a
  copy, as before a new list.

* **Loading the model rebuilt TED by tracing a whole training step.** Rasa's
  ``RasaModel.load`` fits one example to create the variables before it loads
  the trained weights over them; Keras traced the training graph (gradients,
  optimizer) for that one step: TED took 11.0 s of the 17.3 s of
  ``Agent.load`` (benchmarks/startup/model_load.py, medians). Here TED's model
  creates its variables by one eager prediction step instead, the trained
  weights are loaded over them from the same checkpoint, and the prediction
  function is traced once, as Rasa does (``_install_fast_model_load``). Checked before the model is used: every
  variable of the model came from the checkpoint and every weight of the
  checkpoint found its variable; otherwise, or on any error, Rasa's own load
  runs. Fine-tuning keeps Rasa's path. TED 3.3 s, ``Agent.load`` 9.8 s; the
  same probabilities to the bit and the same random-generator state after
  loading (benchmarks/startup/compare_load.py; tests/e2e/test_model_loaded.py,
  tests/e2e/test_model_load_same_answers.py).

Installed by ``install()``, called when ``bot.tracker_store``'s store is
constructed (Rasa creates the tracker store before it loads the model):
every Rasa server of this project loads that tracker store (bot/endpoints.yml,
the stack's endpoints), so a hand-started ``rasa run`` has the fixes too.
Idempotent.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)

_installed = False


def _cached_action_result_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)          # once, not per response
    return cls(schema)


def _install_event_lookup() -> None:
    from rasa.shared.core import events as rasa_events
    from rasa.shared.utils.common import all_subclasses

    original = rasa_events.Event.resolve_by_type
    by_name: Dict[Text, Any] = {}

    def refresh() -> None:
        by_name.clear()
        for cls in all_subclasses(rasa_events.Event):
            by_name.setdefault(cls.type_name, cls)   # the first in Rasa's order, as its loop returns

    def resolve_by_type(type_name: Text, default=None):
        cls = by_name.get(type_name)
        if cls is not None:
            return cls
        refresh()
        cls = by_name.get(type_name)
        return cls if cls is not None else original(type_name, default)

    refresh()
    rasa_events.Event.resolve_by_type = staticmethod(resolve_by_type)


def _install_applied_events_cache() -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    original = DialogueStateTracker.applied_events

    def applied_events(self):
        events = self.events
        first, last = (events[0], events[-1]) if events else (None, None)
        cached = self.__dict__.get("_yjs_applied_events")
        # the same objects (held here, so never another object at the same address)
        if cached is None or cached[0] != len(events) or cached[1] is not first or cached[2] is not last:
            cached = (len(events), first, last, original(self))
            self.__dict__["_yjs_applied_events"] = cached
        return list(cached[3])

    DialogueStateTracker.applied_events = applied_events


# how TED models were loaded in this process (tests and benchmarks read it)
model_load_paths: Dict[Text, int] = {"fast": 0, "rasa": 0}


def _checkpoint_model_weights(model_file_name: Text) -> int:
    """Number of the model's own values in a TF checkpoint (not the optimizer's)."""
    import tensorflow as tf

    return sum(
        1
        for key, _ in tf.train.list_variables(model_file_name)
        if key.startswith("model/")
        and key.endswith("/.ATTRIBUTES/VARIABLE_VALUE")
        and not key.startswith("model/optimizer/")
        and "/.OPTIMIZER_SLOT/" not in key
    )


def _build_untaken_branches(model, batch) -> None:
    """Creates the variables of encoders the eager step skipped, so that tracing happens once.

    TED encodes each attribute under ``tf.cond(has real features, real, zeros)``;
    run eagerly on the stored example only one branch runs, so the layers of the
    other are built when the prediction function is traced. TensorFlow then
    traces that function a second time (variables created on the first trace),
    about 2.5 s. Encoding each attribute's (here empty) real features once,
    eagerly, builds those layers now. Best effort: the trace builds what this
    could not, and the checks in ``_load_ted_for_inference`` hold either way.
    """
    from rasa.core.policies.ted_policy import SENTENCE_FEATURES_TO_ENCODE, STATE_LEVEL_FEATURES

    data = model.batch_to_model_data_format(batch, model.predict_data_signature)
    model._compute_dialogue_indices(data)
    model._training = False
    for attribute in list(data.keys()):
        if attribute in SENTENCE_FEATURES_TO_ENCODE + STATE_LEVEL_FEATURES:
            try:
                model._encode_real_features_per_attribute(data, attribute)
            except Exception as exc:  # the trace builds it instead
                logger.debug("TED %s encoder not built eagerly: %s", attribute, exc)


def _load_ted_for_inference(cls, model_file_name, predict_data_example, args, kwargs):
    """TED's model for prediction, its variables built without a training step.

    Rasa fits one example (Keras traces a training graph) only so that the
    variables exist when the weights are loaded. The prediction step creates the
    same model variables; the optimizer gets no slot variables (the checkpoint's
    are for training and are not restored here).

    Why the earlier eager *fit* (3c9fab4, reverted) left TED without a model: an
    eager step runs only the taken branch of each ``tf.cond``, so fewer layers
    were built and Adam created its slot variables for fewer variables, in
    another order. Keras' Adam saves its slots by position (``optimizer/
    _variables/<n>``), so restoring them hit a shape mismatch (ValueError:
    (20, 50) vs (46, 50)), which TEDPolicy.load catches as "no model stored".
    """
    import tensorflow as tf
    import rasa.utils.train_utils
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY

    config = kwargs.get("config", {})
    model = cls(*args, **kwargs)
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
        run_eagerly=config.get(RUN_EAGERLY),
    )
    generator, _ = rasa.utils.train_utils.create_data_generators(
        model_data=predict_data_example, batch_sizes=1, epochs=1, shuffle=False
    )
    batch = next(iter(generator))[0]
    model.predict_step(batch)      # eager: creates the variables of the branches it takes
    _build_untaken_branches(model, batch)
    # forget what that step computed with the untrained weights
    model.all_labels_embed = None
    model.prepared_for_prediction = False
    model._training = None
    status = model.load_weights(model_file_name)
    # as Rasa does: trace the prediction function once (the labels are embedded
    # with the loaded weights); a variable created only now would be restored
    # from the checkpoint as it is created
    model.run_inference(predict_data_example)
    status.assert_existing_objects_matched()          # every variable came from the checkpoint
    have = len({v.ref() for v in model.variables})
    stored = _checkpoint_model_weights(model_file_name)
    if have != stored:
        raise RuntimeError(f"{have} model variables, {stored} weights in the checkpoint")
    return model


def _install_fast_model_load() -> None:
    from rasa.core.policies.ted_policy import TED
    from rasa.utils.tensorflow.models import RasaModel

    original = RasaModel.load.__func__

    def load(cls, model_file_name, model_data_example, predict_data_example=None, finetune_mode=False,
             *args, **kwargs):
        if not issubclass(cls, TED):      # DIET, ResponseSelector: Rasa's load (not used here)
            return original(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                            *args, **kwargs)
        if finetune_mode or not predict_data_example:
            model_load_paths["rasa"] += 1
            return original(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                            *args, **kwargs)
        started = time.perf_counter()
        try:
            model = _load_ted_for_inference(cls, model_file_name, predict_data_example, args, kwargs)
        except Exception as exc:   # Rasa's own load then builds the model from scratch
            logger.warning("fast TED model load failed (%s: %s); loading it the way Rasa does",
                           type(exc).__name__, exc)
            model_load_paths["rasa"] += 1
            return original(cls, model_file_name, model_data_example, predict_data_example, finetune_mode,
                            *args, **kwargs)
        model_load_paths["fast"] += 1
        logger.info("TED model loaded in %.1f s (variables built by one eager prediction step)",
                    time.perf_counter() - started)
        return model

    RasaModel.load = classmethod(load)


def install() -> None:
    """Patches Rasa in this process (once)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions import action as rasa_action
    from rasa.shared.constants import DOCS_BASE_URL

    validator = _cached_action_result_validator()
    _install_event_lookup()
    _install_applied_events_cache()
    _install_fast_model_load()

    def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
        # what jsonschema.validate does after checking the schema: raise the best error
        from jsonschema.exceptions import best_match

        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error

    rasa_action.RemoteAction._validate_action_result = _validate_action_result
    _installed = True
    logger.debug("bot.speedups installed")
