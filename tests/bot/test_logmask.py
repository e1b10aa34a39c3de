"""The one log filter (logmask): every way a process writes a log line is masked,
including Rasa's own warning that quotes a payload-like message in full."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from knowledge.personal_data import complete_card_number, complete_id_number, mask_id_number

ROOT = Path(__file__).resolve().parents[2]
ID = complete_id_number("44520219900101123")
CARD = complete_card_number("622202123456789012")
PHONE = "13812345678"


def run_masked(code: str, tmp_path: Path) -> str:
    module = tmp_path / "noisy_module.py"
    module.write_text(textwrap.dedent(code))
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "RASA_TELEMETRY_ENABLED": "false"}
    proc = subprocess.run(
        [sys.executable, "-m", "logmask", "noisy_module", "--flag"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    return proc.stdout + proc.stderr


def assert_clean(output: str) -> None:
    spaced_id = f"{ID[:6]} {ID[6:14]} {ID[14:]}"
    for raw in (ID, CARD, PHONE, spaced_id, "138 1234 5678", ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))):
        assert raw not in output, raw


def test_logging_warnings_print_and_tracebacks_are_masked(tmp_path):
    out = run_masked(
        f"""
        import logging, sys, warnings
        assert sys.argv[1:] == ["--flag"]
        logging.basicConfig(level=logging.INFO)
        log = logging.getLogger("third.party")
        log.info("user said %s", "我的身份证 {ID}")
        log.warning("card=%s phone=%s", "{CARD}", {PHONE})
        log.info({{"slot": "{ID}"}})
        warnings.warn("Failed to parse arguments in line '/apply{{\\"id_number\\": \\"{ID}\\"}}'")
        print("spaced", "{ID[:6]} {ID[6:14]} {ID[14:]}", "138 1234 5678")
        sys.stderr.write("partial {ID[:9]}")
        sys.stderr.write("{ID[9:]} done\\n")
        try:
            raise ValueError("bad {CARD}")
        except ValueError:
            log.exception("failed")
        raise RuntimeError("uncaught {ID}")
        """,
        tmp_path,
    )
    assert_clean(out)
    assert mask_id_number(ID) in out and "uncaught" in out and "Traceback" in out
    assert "138****5678" in out


def test_rasas_failed_to_parse_warning_is_masked(tmp_path):
    """The exact warning Rasa wrote into logs/rasa.log with a full ID number."""
    out = run_masked(
        f"""
        from rasa.shared.nlu.training_data.message import Message
        from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
        from rasa.shared.core.domain import Domain
        domain = Domain.from_dict({{"intents": ["apply"]}})
        text = '/apply{{"id_number": "{ID}"}} and {PHONE}'
        YAMLStoryReader.unpack_regex_message(Message(data={{"text": text}}), domain)
        """,
        tmp_path,
    )
    assert "Failed to parse arguments" in out, out
    assert_clean(out)
