"""Generated jieba dictionary and NLU lookup tables."""
from __future__ import annotations

import yaml

from knowledge import generate
from knowledge.vocab import key


def test_committed_files_are_up_to_date():
    assert generate.main(["--check"]) == 0


def test_check_fails_on_stale_files(tmp_path, capsys):
    (tmp_path / "bot" / "dictionary").mkdir(parents=True)
    (tmp_path / "bot" / "dictionary" / "knowledge_terms.txt").write_text("旧 1 n\n", encoding="utf-8")
    assert generate.main(["--check", "--root", str(tmp_path)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert generate.main(["--root", str(tmp_path)]) == 0
    assert generate.main(["--check", "--root", str(tmp_path)]) == 0


def test_output_is_deterministic(kb):
    assert generate.outputs(kb) == generate.outputs(kb)


def test_dictionary_format(kb):
    text = generate.dictionary_text(kb)
    lines = text.splitlines()
    assert lines == sorted(lines, key=lambda x: x.split(" ")[0])
    words = {}
    for line in lines:
        w, freq, tag = line.split(" ")
        assert int(freq) > 0 and tag in ("n", "ns")
        words[w] = int(freq)
    for alias in ("失业金", "领失业金", "欠薪投诉", "职称证补办", "就业创业证", "工伤认定"):
        assert alias in words


def test_lookup_tables_and_synonyms(kb):
    doc = yaml.safe_load(generate.lookups_text(kb))
    assert doc["version"] == "3.1"
    lookups = {e["lookup"]: e["examples"] for e in doc["nlu"] if "lookup" in e}
    synonyms = {e["synonym"]: e["examples"] for e in doc["nlu"] if "synonym" in e}
    assert set(lookups) == {"item", "bundle", "region"}
    assert "- 湖南" in lookups["region"] and "- 揭阳" in lookups["region"]
    for item in kb.items.values():
        examples = [x[2:] for x in synonyms[item.id].splitlines()]
        for alias in item.aliases:
            assert alias in examples or key(alias) in examples, (item.id, alias)
            assert f"- {alias}\n" in lookups["item"] or f"- {key(alias)}\n" in lookups["item"]
        assert "失業金" in synonyms["unemployment_benefit"]
    for b in kb.bundles.values():
        assert b.name in synonyms[b.id]
