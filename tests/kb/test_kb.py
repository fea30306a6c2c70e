"""The knowledge base: valid, strict, complete and round-tripping."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from spinecare.errors import KnowledgeBaseError
from spinecare.kb import check_kb, dump_kb, load_kb
from spinecare.kb import expressions as ex
from spinecare.kb.expressions import walk
from spinecare.kb.loader import REQUIRED_CONCEPTS, default_path, iter_texts, model_expressions
from spinecare.kb.schema import VERDICTS
from tests.kb.helpers import SAFE_LOADER, copy_kb, edit


def test_packaged_kb_is_valid() -> None:
    assert check_kb() == []


EXPRESSION_TYPES = (
    ex.HasCondition,
    ex.HasMedication,
    ex.HadProcedure,
    ex.Compare,
    ex.AgeUnder,
    ex.Answered,
    ex.AllOf,
    ex.AnyOf,
    ex.Either,
    ex.NotExpr,
)


def _every_node(node: object):
    """Every value of a model, depth first (fields in their order)."""
    yield node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _every_node(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _every_node(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _every_node(item)


def test_model_expressions_are_every_expression_of_the_model(kb) -> None:
    # the expression nodes found from the listed roots are every one the model holds, in
    # the model's order: a field added to the schema that holds expressions fails here
    listed = [id(n) for root in model_expressions(kb.model) for n in walk(root)]
    everywhere = [id(n) for n in _every_node(kb.model) if isinstance(n, EXPRESSION_TYPES)]
    assert listed == everywhere
    assert len(listed) > 50


def test_every_design_concept_has_a_rule_or_indication(kb) -> None:
    ruled = {r.concept for r in kb.model.rules} | {i.concept for i in kb.model.indications}
    assert set(REQUIRED_CONCEPTS) <= ruled


def test_design_effects_per_concept(kb) -> None:
    effects: dict[str, set[str]] = {}
    for rule in kb.model.rules:
        effects.setdefault(rule.concept, set()).add(rule.effect)
    expected = {
        "cauda_equina": {"refer_urgently"},
        "myelopathy": {"refer_urgently"},
        "vertebral_fracture": {"refer_urgently"},
        "spinal_infection": {"refer_urgently"},
        "spinal_malignancy": {"refer_urgently"},
        "vertebrobasilar_insufficiency": {"refer_urgently"},
        "oncology": {"contraindicated"},
        "organ_decompensation": {"contraindicated"},
        "heart_disease": {"contraindicated", "needs_clearance"},
        "coagulation_disorder": {"contraindicated"},
        "significant_hypertension": {"defer"},
        "fever": {"defer"},
        "infectious_disease": {"defer"},
        "acute_pain": {"defer"},
        "moderate_hypertension": {"needs_clearance"},
        "disc_herniation": {"needs_clearance"},
        # and an INR above the usual range postpones it (clinical-reference.md, the DESIGN
        # NOTE of the anticoagulant row: "defer to physician")
        "anticoagulant_therapy": {"needs_clearance", "defer"},
        "pregnancy": {"needs_clearance"},
        "history_of_cancer": {"needs_clearance"},
        "recent_spinal_surgery": {"needs_clearance"},
        "dermatitis": {"allowed_with_precautions"},
        "osteoporosis": {"allowed_with_precautions"},
    }
    assert effects == expected
    assert all(e in VERDICTS for es in effects.values() for e in es)


def test_every_rule_and_number_has_a_known_source(kb) -> None:
    for rule in kb.model.rules:
        assert rule.sources and all(s in kb.sources for s in rule.sources)
    for threshold in kb.model.thresholds:
        assert threshold.sources and threshold.remark


def test_every_text_is_in_english_and_russian(kb) -> None:
    texts = list(iter_texts(kb.model))
    assert len(texts) > 100
    for path, text in texts:
        assert text.en.strip() and text.ru.strip(), path
        assert any("\u0400" <= ch <= "\u04ff" for ch in text.ru), f"{path}: ru is not Russian"


def test_the_two_articles_are_popular_articles_in_russian(kb) -> None:
    articles = [s for s in kb.model.sources if s.kind == "popular_article" and s.lang == "ru"]
    ids = {s.id for s in articles}
    assert {"article_osteochondrosis", "article_herniation"} <= ids
    text = " ".join(s.remark or "" for s in articles)
    assert "000_9168352139faaa8b" in text and "004_b462bbb7b94b0331" in text
    for source in articles:
        assert source.titles is not None
        assert any("\u0400" <= ch <= "\u04ff" for ch in source.title)


@pytest.fixture(scope="module")
def dumped(kb) -> dict[str, str]:
    return dump_kb(kb)


def test_round_trip_dump_then_load_gives_the_same_kb(tmp_path: Path, kb, dumped) -> None:
    folder = tmp_path / "dumped"
    folder.mkdir()
    for name, text in dumped.items():
        (folder / name).write_text(text, encoding="utf-8")
    again = load_kb(folder)
    assert again.model == kb.model
    assert dump_kb(again) == dumped


def test_round_trip_keeps_the_files_data(dumped) -> None:
    for name, text in dumped.items():
        original = yaml.load((default_path() / name).read_bytes(), Loader=SAFE_LOADER)
        assert yaml.load(text, Loader=SAFE_LOADER) == original, name


def test_unknown_key_is_an_error_listing_the_allowed_keys(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)
    edit(folder / "rules.yaml", lambda d: d["rules"][0].update({"severity": "high"}))
    problems = check_kb(folder)
    assert len(problems) == 1
    assert problems[0].path.startswith("rules.yaml > rules[0] (cauda_equina)")
    assert "unknown key severity" in problems[0].message
    allowed = "allowed: concept, effect, id, level, patient_reason, reason, remark, sources, when"
    assert allowed in problems[0].message


def test_every_problem_is_reported_at_once_with_its_path(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)

    def break_rules(d):
        d["rules"][1]["effect"] = "maybe"
        d["rules"][2]["sources"] = ["no_such_source"]
        d["rules"][3]["when"] = {"measure": "systolic_bp", "op": "~", "threshold": "x"}

    edit(folder / "rules.yaml", break_rules)
    edit(folder / "thresholds.yaml", lambda d: d["thresholds"][0].update({"label": {"en": "x"}}))
    problems = check_kb(folder)
    text = "\n".join(map(str, problems))
    assert "rules.yaml > rules[1] (myelopathy) > effect" in text
    assert "thresholds.yaml > thresholds[0] (bp_fresh_days) > label > ru" in text
    assert "rules.yaml > rules[3] (spinal_infection) > when" in text
    assert len(problems) >= 3


def test_cross_references_are_checked(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)
    edit(folder / "rules.yaml", lambda d: d["rules"][0].update({"sources": ["nowhere"]}))
    problems = check_kb(folder)
    assert [str(p) for p in problems] == [
        "rules.yaml > rules[0] (cauda_equina) > sources: unknown source 'nowhere' "
        f"({len(load_kb().sources)} defined)"
    ]


def test_malformed_codes_are_reported(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)

    def add_bad(d):
        d["concepts"][0]["codes"].append({"system": "loinc", "code": "8480", "display": "x"})

    edit(folder / "concepts.yaml", add_bad)
    problems = check_kb(folder)
    assert any("not a well-formed loinc code" in p.message for p in problems)


def test_a_synonym_gap_at_an_end_or_doubled_is_refused(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)

    def add_bad(d):
        entry = d["terminology"][0]
        entry["synonyms"][0]["en"] += ["* of spine", "fracture of *", "fracture * * spine"]

    edit(folder / "terminology.yaml", add_bad)
    problems = check_kb(folder)
    concept = yaml.load((folder / "terminology.yaml").read_bytes(), Loader=SAFE_LOADER)[
        "terminology"
    ][0]["concept"]
    where = f"terminology.yaml > terminology[0] ({concept}) > synonyms[0] > en"
    assert [str(p) for p in problems] == [
        f"{where}: '* of spine': a synonym cannot start with a gap ('*')",
        f"{where}: 'fracture of *': a synonym cannot end with a gap ('*')",
        f"{where}: 'fracture * * spine': two gaps ('*') in a row; one gap holds up to 2 words",
    ]


def test_a_not_named_phrase_has_its_gaps_between_words(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)

    def add_bad(d):
        d["text_cues"]["not_named"]["en"] += ["benign *"]

    edit(folder / "text.yaml", add_bad)
    assert [str(p) for p in check_kb(folder)] == [
        "text.yaml > text_cues > not_named: 'benign *': a synonym cannot end with a gap ('*')"
    ]


def test_a_definitions_own_concept_must_be_a_code_of_the_concept(tmp_path: Path) -> None:
    """An ECL definition's focus concept is itself of the concept ("<< 48522003
    |Myelopathy|" holds 48522003): records coded so must match, so it must be listed.
    Concepts after MINUS, and the focus of an attribute refinement (a broader class), not."""
    folder = copy_kb(tmp_path)

    def add_ecl(d):
        entry = next(t for t in d["terminology"] if t["concept"] == "myelopathy")
        entry["ecl"] += [
            {"expression": "<< 230745008 |Hydrocephalus| OR << 22298006 |Myocardial infarction|"},
            {"expression": "<< 48522003 |Myelopathy| MINUS << 111111111 |Anything|"},
            {"expression": "<< 404684003 |Clinical finding| : 363698007 |Finding site| = 2748008"},
        ]

    edit(folder / "terminology.yaml", add_ecl)
    problems = [p for p in check_kb(folder) if p.path.endswith("> ecl")]
    assert sorted(p.message for p in problems) == [
        "22298006 is not a code of the concept",
        "230745008 is not a code of the concept",
    ]


def test_invalid_yaml_and_missing_file_are_reported(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)
    (folder / "zones.yaml").unlink()
    (folder / "plans.yaml").write_text("plans: [unclosed", encoding="utf-8")
    problems = check_kb(folder)
    paths = [p.path for p in problems]
    assert "zones.yaml" in paths and "plans.yaml" in paths


def test_load_kb_raises_with_every_problem(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)
    edit(folder / "kb.yaml", lambda d: d["meta"].pop("version"))
    with pytest.raises(KnowledgeBaseError) as err:
        load_kb(folder)
    assert err.value.problems and "version" in str(err.value.problems[0])


def test_required_concept_missing_is_reported(tmp_path: Path) -> None:
    folder = copy_kb(tmp_path)
    edit(
        folder / "concepts.yaml",
        lambda d: d.update({"concepts": [c for c in d["concepts"] if c["id"] != "scoliosis"]}),
    )
    messages = [p.message for p in check_kb(folder)]
    assert any("missing concept 'scoliosis'" in m for m in messages)


def test_a_key_written_twice_in_a_kb_file_is_refused_naming_file_line_and_key(
    tmp_path: Path,
) -> None:
    folder = copy_kb(tmp_path)
    text = (folder / "thresholds.yaml").read_text(encoding="utf-8")
    # the first threshold's id, written a second time right after it
    first_id = next(line for line in text.splitlines() if line.strip().startswith("- id:"))
    twice = first_id + "\n" + first_id.replace("- id:", "  id:")
    (folder / "thresholds.yaml").write_text(text.replace(first_id, twice, 1), encoding="utf-8")
    problems = check_kb(folder)
    assert problems[0].path == "thresholds.yaml"
    assert "the key 'id' is written twice" in problems[0].message
    assert problems[0].message.startswith("not valid YAML: line ")


def assert_a_broken_reference_is_reported(tmp_path: Path) -> None:
    """A copy of the KB with a rule citing an unknown source fails to load, naming it."""
    broken = copy_kb(tmp_path / "broken")
    edit(broken / "rules.yaml", lambda d: d["rules"][0].update({"sources": ["nowhere"]}))
    with pytest.raises(KnowledgeBaseError) as raised:
        load_kb(broken)
    assert [p.path for p in raised.value.problems] == [
        "rules.yaml > rules[0] (cauda_equina) > sources"
    ]


def test_parsed_files_are_reused_only_for_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spinecare.kb import loader

    monkeypatch.setenv("SPINECARE_DATA_DIR", str(tmp_path / "data"))
    folder = copy_kb(tmp_path)
    assert check_kb(folder) == []
    cache = tmp_path / "data" / "kb-cache"
    assert len(list(cache.glob("*.json"))) == len(loader.FILES)
    # an edited file is parsed again: its bad value is reported with the file and path
    edit(folder / "thresholds.yaml", lambda d: d["thresholds"][0].update({"value": "high"}))
    problems = check_kb(folder)
    assert [p.path for p in problems] == ["thresholds.yaml > thresholds[0] (bp_fresh_days) > value"]
    # ... exactly as without the cache
    monkeypatch.setenv("SPINECARE_KB_CACHE", "0")
    assert check_kb(folder) == problems
    monkeypatch.delenv("SPINECARE_KB_CACHE")
    # a damaged cache file is ignored and the file parsed again
    for stored in cache.glob("*.json"):
        stored.write_bytes(b'{"key": "')
    assert check_kb(folder) == problems
    # a stored entry only counts for the bytes it was made from
    edit(folder / "thresholds.yaml", lambda d: d["thresholds"][0].update({"value": 3}))
    assert check_kb(folder) == []


def test_files_that_passed_the_cross_checks_are_not_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spinecare.kb import loader

    monkeypatch.setenv("SPINECARE_DATA_DIR", str(tmp_path / "data"))
    first = copy_kb(tmp_path / "first")
    assert load_kb(first).version == load_kb().version

    # the same bytes in another folder load without the cross-checks
    def refused(model: object) -> list[object]:
        raise AssertionError("checked again")

    monkeypatch.setattr(loader, "cross_check", refused)
    assert load_kb(copy_kb(tmp_path / "same")).version == load_kb().version
    monkeypatch.undo()
    # other bytes are checked: a reference broken there is reported, with its path
    monkeypatch.setenv("SPINECARE_DATA_DIR", str(tmp_path / "data"))
    assert_a_broken_reference_is_reported(tmp_path)
    # and check_kb always checks
    monkeypatch.setattr(loader, "cross_check", refused)
    with pytest.raises(AssertionError, match="checked again"):
        check_kb(first)


def test_a_checked_kb_is_read_back_from_its_stored_model_only_for_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle
    from collections import OrderedDict

    from spinecare.kb import loader

    def refused(*args: object) -> object:
        raise AssertionError("read from the files")

    monkeypatch.setenv("SPINECARE_DATA_DIR", str(tmp_path / "data"))
    cache = tmp_path / "data" / "kb-cache"
    first = load_kb(copy_kb(tmp_path / "first"))
    [stored] = cache.glob("*.model")
    # the same bytes in another folder: the stored model, no file parsed or checked
    monkeypatch.setattr(loader, "read_files", refused)
    assert load_kb(copy_kb(tmp_path / "same")).model == first.model
    monkeypatch.undo()
    monkeypatch.setenv("SPINECARE_DATA_DIR", str(tmp_path / "data"))
    # a damaged stored model, or one naming any class but the KB's own, is not used
    good = stored.read_bytes()
    foreign = loader._snapshot_stamp(stored.stem) + pickle.dumps(OrderedDict(a=1))
    for bad in (good[:-100], foreign):
        stored.write_bytes(bad)
        assert loader._snapshot_get(cache, stored.stem) is None
        assert load_kb(copy_kb(tmp_path / f"again{len(bad)}")).model == first.model
    # other bytes are read and checked: a broken reference is reported with its path
    assert_a_broken_reference_is_reported(tmp_path)


def test_an_exact_code_is_one_icd10_code(tmp_path: Path) -> None:
    """``exact`` (the code alone, not its subdivisions) is for one ICD-10 code: not for
    another system, not for a range."""
    folder = copy_kb(tmp_path)

    def add_exact(d):
        entry = next(t for t in d["terminology"] if t["concept"] == "cauda_equina")
        entry["codes"] += [
            {
                "system": "snomed",
                "code": "72042002",
                "display": "x",
                "exact": True,
                "source": "snomed_ct",
            },
            {
                "system": "icd10",
                "code": "R15",
                "to": "R16",
                "display": "x",
                "exact": True,
                "source": "who_icd10",
            },
        ]

    edit(folder / "terminology.yaml", add_exact)
    problems = [p.message for p in check_kb(folder) if "'exact'" in p.message]
    assert problems == ["'exact' is for one ICD-10 code only"] * 2


def test_an_exact_icd10_code_matches_itself_not_its_subdivisions() -> None:
    """WHO R15 (faecal incontinence) is listed exactly: R15, and R15 with a German
    certainty marker, match; ICD-10-CM's R15.2 (faecal urgency) does not."""
    codes = load_kb().codes
    named = {hit.concept for hit in codes.lookup("icd10", "R15")}
    assert "cauda_equina" in named
    assert "cauda_equina" in {hit.concept for hit in codes.lookup("icd10", "R15 G")}
    assert "cauda_equina" not in {hit.concept for hit in codes.lookup("icd10cm", "R15.2")}
    assert "cauda_equina" in {hit.concept for hit in codes.lookup("icd10cm", "R15.9")}
