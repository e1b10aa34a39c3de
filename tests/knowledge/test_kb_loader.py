"""Loader validation: broken data fails at load time naming the file and field."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml

import knowledge
from knowledge import KnowledgeError, load_kb
from knowledge.errors import UnknownId
from knowledge.loader import DEFAULT_DATA_DIR


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    dst = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, dst)
    return dst


def edit(path: Path, fn) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def load_error(path: Path) -> KnowledgeError:
    with pytest.raises(KnowledgeError) as exc:
        load_kb(path)
    return exc.value


def test_copy_loads(data_copy):
    kb = load_kb(data_copy)
    assert len(kb.items) == 29 and list(kb.bundles) == ["unemployment", "talent", "labor_rights"]


def test_bad_deadline_kind(data_copy):
    def f(doc):
        doc["items"][0]["provisions"][0]["deadline"]["kind"] = "weeks"
    edit(data_copy / "items" / "talent.yml", f)
    err = load_error(data_copy)
    assert "talent.yml" in str(err) and err.file.endswith("items/talent.yml")
    assert err.field == "items[0].provisions[0].deadline.kind"
    assert "weeks" in str(err)


def test_missing_required_field(data_copy):
    def f(doc):
        del doc["items"][2]["name"]
    edit(data_copy / "items" / "labor_rights.yml", f)
    err = load_error(data_copy)
    assert err.file.endswith("labor_rights.yml") and err.field == "items[2].name"
    assert "missing" in str(err)


def test_unknown_field_is_a_typo(data_copy):
    def f(doc):
        doc["items"][1]["provisions"][0]["deadlines"] = {"text": "即办", "kind": "immediate"}
    edit(data_copy / "items" / "unemployment.yml", f)
    err = load_error(data_copy)
    assert err.field == "items[1].provisions[0].deadlines" and "unknown field" in str(err)


def test_days_must_match_text(data_copy):
    def f(doc):
        doc["items"][0]["provisions"][0]["deadline"]["days"] = 6
    edit(data_copy / "items" / "unemployment.yml", f)
    err = load_error(data_copy)
    assert err.field == "items[0].provisions[0].deadline.days"


def test_invalid_yaml_names_file_and_line(data_copy):
    p = data_copy / "services.yml"
    p.write_text(p.read_text(encoding="utf-8") + "\n  - id: [unclosed\n", encoding="utf-8")
    err = load_error(data_copy)
    assert err.file.endswith("services.yml") and err.field.startswith("line ")


def test_ambiguous_alias_rejected(data_copy):
    def f(doc):
        doc["items"][0]["aliases"].append("工伤申请")   # alias of work_injury_recognition
    edit(data_copy / "items" / "talent.yml", f)
    err = load_error(data_copy)
    assert "工伤申请" in str(err) and "work_injury_recognition" in str(err)


def test_unknown_item_in_link_rule(data_copy):
    def f(doc):
        doc["link_rules"][0]["requires"] = ["job_hunting"]
    edit(data_copy / "link_rules.yml", f)
    err = load_error(data_copy)
    assert err.file.endswith("link_rules.yml") and err.field == "link_rules[0].requires"
    assert "job_hunting" in str(err)


def test_unknown_guide(data_copy):
    def f(doc):
        doc["services"][1]["source"]["guide"] = "009"
    edit(data_copy / "services.yml", f)
    err = load_error(data_copy)
    assert err.field == "services[1].source.guide" and "009" in str(err)


def test_dependent_choices_must_cover_parent(data_copy):
    def f(doc):
        sec = next(s for s in doc["sections"] if s["id"] == "job_seeker_registration")
        fld = next(x for x in sec["fields"] if x["id"] == "salary_type")
        del fld["choices_by"]["小时工"]
    edit(data_copy / "forms.yml", f)
    err = load_error(data_copy)
    assert err.file.endswith("forms.yml") and err.field.endswith("fields[3].choices_by")


def test_listed_materials_cannot_be_empty(data_copy):
    def f(doc):
        doc["items"][0]["provisions"][0]["materials"] = []
    edit(data_copy / "items" / "unemployment.yml", f)
    err = load_error(data_copy)
    assert err.field == "items[0].provisions[0].materials"


def test_missing_file(data_copy):
    (data_copy / "howto.yml").unlink()
    err = load_error(data_copy)
    assert err.file.endswith("howto.yml")


def test_default_is_cached_and_fast():
    t = time.perf_counter()
    kb1 = load_kb(DEFAULT_DATA_DIR)          # uncached path load
    elapsed = time.perf_counter() - t
    assert elapsed < 1.0, f"load took {elapsed:.2f}s"
    assert load_kb() is load_kb()
    assert kb1 is not load_kb()


def test_unknown_id_is_a_key_error(kb):
    with pytest.raises(UnknownId):
        kb.item("unemployment_money")
    with pytest.raises(KeyError):
        kb.bundle("pension")
    assert issubclass(knowledge.UnknownId, KeyError)


def test_duplicate_top_level_key_is_rejected(data_copy):
    path = data_copy / "lexicon.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\nstopwords: [的]\n", encoding="utf-8")
    err = load_error(data_copy)
    assert err.file.endswith("lexicon.yml")
    assert "duplicate key 'stopwords'" in str(err)
    assert "line" in err.field


def test_duplicate_nested_key_is_rejected(data_copy):
    path = data_copy / "items" / "talent.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(n for n, line in enumerate(lines) if line.lstrip().startswith("name:"))
    lines.insert(i + 1, lines[i])
    path.write_text("".join(lines), encoding="utf-8")
    err = load_error(data_copy)
    assert err.file.endswith("items/talent.yml")
    assert "duplicate key 'name'" in str(err)


@pytest.mark.parametrize("rel", sorted(str(p.relative_to(DEFAULT_DATA_DIR))
                                       for p in DEFAULT_DATA_DIR.rglob("*.yml")))
def test_shipped_files_have_no_duplicate_keys(rel):
    from knowledge.loader import _read
    assert _read(DEFAULT_DATA_DIR / rel) is not None


def test_service_alias_must_not_be_an_item_alias(data_copy):
    def f(doc):
        s = next(s for s in doc["services"] if s["id"] == "employment_registration")
        s["aliases"].append("失业登记")
    edit(data_copy / "services.yml", f)
    err = load_error(data_copy)
    assert err.file.endswith("services.yml") and "aliases" in err.field and "失业登记" in str(err)


def test_link_rule_summary_must_be_quoted(data_copy):
    def f(doc):
        doc["link_rules"][0]["summary"] = "失业登记和就业登记两项联办"
    edit(data_copy / "link_rules.yml", f)
    err = load_error(data_copy)
    assert err.file.endswith("link_rules.yml") and err.field == "link_rules[0].summary"


def test_contrasts_file_is_required(data_copy):
    (data_copy / "contrasts.yml").unlink()
    err = load_error(data_copy)
    assert err.file.endswith("contrasts.yml")
