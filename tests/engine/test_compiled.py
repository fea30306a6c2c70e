"""The compiled rules: truth first, the trace after, rules set aside per record, and the
record's index kept only while its facts stay the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from spinecare.core import load_record
from spinecare.engine.evaluate import Facts, RecordIndex, program
from spinecare.engine.screening import screen_record
from spinecare.record.model import Condition, Observation, PatientRecord
from tests.conftest import AS_OF, FIXTURES, ROOT

RECORDS = sorted(
    [
        *(FIXTURES / "ehr").glob("*.json"),
        *(FIXTURES / "rules").glob("*.yaml"),
        *(ROOT / "spinecare" / "demo").glob("*.yaml"),
    ]
)


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_truth_trace_and_fold_agree(path: Path, kb) -> None:
    record = load_record(path, kb)  # every record listed is readable: a refusal fails here
    compiled = program(kb)
    for day in (AS_OF, date(2027, 3, 1), date(2020, 1, 1)):
        facts = Facts(record, kb, day)
        for owner, node in (*compiled.rules, *compiled.indications):
            rank = node.truth(facts)
            outcome = node.trace(facts, rank)
            assert outcome.truth.value == rank, owner.id
            # only an UNKNOWN outcome names what is missing (the trace relies on it)
            assert not outcome.gaps or rank == 1, owner.id
            folded = node.fold(facts.index)
            assert folded is None or folded == rank, owner.id
    # the live rules, kept per program for every index that holds the same concepts,
    # measures and questions, are this record's own
    index = RecordIndex.of(record, kb)
    rules, indications = index.live(compiled)
    live = [(r, n, k) for r, n in compiled.rules if (k := n.fold(index)) != 0]
    assert [(r, k) for r, _, k in rules] == [(r, k) for r, _, k in live]
    live_indications = [(i, n, k) for i, n in compiled.indications if (k := n.fold(index)) != 0]
    assert [(i, k) for i, _, k in indications] == [(i, k) for i, _, k in live_indications]
    # each as it reads for what the index holds: the same outcome on every date
    for day in (AS_OF, date(2027, 3, 1), date(2020, 1, 1)):
        facts = Facts(record, kb, day)
        for (owner, pruned, _), (_, node, _) in zip(
            (*rules, *indications), (*live, *live_indications), strict=True
        ):
            assert pruned.truth(facts) == node.truth(facts), owner.id
            assert pruned.trace(facts) == node.trace(facts), owner.id


def test_the_index_is_kept_while_the_facts_stay_the_same(kb) -> None:
    record = load_record(FIXTURES / "rules" / "cervical_osteochondrosis_allowed.yaml", kb)
    first = screen_record(record, kb, AS_OF)
    index = record.index_cache
    assert isinstance(index, RecordIndex)
    screen_record(record, kb, AS_OF)
    assert record.index_cache is index
    assert first.verdict == "allowed"

    # a fact added after a screening is seen by the next one
    record.conditions.append(Condition(ref="added", concept="oncology"))
    assert screen_record(record, kb, AS_OF).verdict == "contraindicated"
    assert record.index_cache is not index

    # and so is a fact replaced in place (same number of facts)
    fever = Observation(ref="t", measure="body_temperature", value=38.5, unit="Cel", when=AS_OF)
    again = load_record(FIXTURES / "rules" / "cervical_osteochondrosis_allowed.yaml", kb)
    assert screen_record(again, kb, AS_OF).verdict == "allowed"
    again.observations[-1] = fever
    assert screen_record(again, kb, AS_OF).verdict == "defer"


def test_a_copied_record_does_not_share_the_index(kb) -> None:
    record = load_record(FIXTURES / "rules" / "cervical_osteochondrosis_allowed.yaml", kb)
    screen_record(record, kb, AS_OF)
    copy = replace(record)
    assert copy.index_cache is None
    assert screen_record(copy, kb, AS_OF).to_json() == screen_record(record, kb, AS_OF).to_json()
    assert isinstance(PatientRecord.__getstate__(record), dict)
    assert "index_cache" not in PatientRecord.__getstate__(record)
