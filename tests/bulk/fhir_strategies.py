"""Hypothesis strategies: random Bulk exports (NDJSON lines) drawn from the KB's own codes.

Resources vary in the ways the reader cares about: code spellings (ICD-10 with or without
the dot, lower case), statuses, partial dates, family history, units (UCUM, aliases, case,
Fahrenheit, none), comparators, components, entered-in-error, odd shapes the reader
rejects, malformed lines and patients that do not exist.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
from hypothesis import strategies as st

from spinecare.fhir.reader import FAMILY_HISTORY_SNOMED
from spinecare.kb.codes import SYSTEM_ALIASES, icd10_categories
from spinecare.record import units

AS_OF = date(2024, 6, 15)
URIS: dict[str, list[str]] = {}
for _uri, _name in SYSTEM_ALIASES.items():
    URIS.setdefault(_name, []).append(_uri)


def _uri(system: str) -> st.SearchStrategy[str | None]:
    return st.sampled_from([*URIS.get(system, [system]), system])


def kb_codes(kb: Any) -> list[tuple[str, str]]:
    out = []
    for concept in kb.model.concepts:
        for code in concept.codes:
            if code.to:
                out.extend((code.system, c) for c in icd10_categories(code.code, code.to)[::9])
            else:
                out.append((code.system, code.code))
    return out


def _date_text(draw: Any) -> str | None:
    day = AS_OF + timedelta(days=draw(st.integers(-500, 40)))
    form = draw(st.sampled_from(["date", "date", "datetime", "month", "year", "bad", "none"]))
    if form == "none":
        return None
    if form == "month":
        return day.strftime("%Y-%m")
    if form == "year":
        return day.strftime("%Y")
    if form == "datetime":
        return day.isoformat() + "T10:30:00+02:00"
    if form == "bad":
        return draw(st.sampled_from([day.isoformat() + "x", "2024-02-30", "0000-01-01"]))
    return day.isoformat()


@st.composite
def coding(draw: Any, kb: Any) -> dict[str, Any]:
    system, code = draw(st.sampled_from([*kb_codes(kb), ("snomed", "00000000")]))
    if system in ("icd10", "icd10cm"):
        code = draw(
            st.sampled_from(
                [code, code.replace(".", ""), code.lower(), code + ("9" if "." in code else ".9")]
            )
        )
    out: dict[str, Any] = {"system": draw(_uri(system)), "code": code}
    if draw(st.booleans()):
        out["display"] = draw(st.sampled_from(["x", "Family history of back pain", "Ünïcode"]))
    return out


def _cc(draw: Any, kb: Any, max_size: int = 2) -> dict[str, Any]:
    return {"coding": draw(st.lists(coding(kb), max_size=max_size))}


@st.composite
def condition(draw: Any, kb: Any, pid: str, i: int) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Condition",
        "id": f"c{pid}-{i}",
        "subject": {"reference": f"Patient/{pid}"},
        "code": _cc(draw, kb),
    }
    if draw(st.integers(0, 5)) == 0:
        res["code"]["coding"].append(
            draw(
                st.sampled_from(
                    [
                        {
                            "system": "http://snomed.info/sct",
                            "code": sorted(FAMILY_HISTORY_SNOMED)[0],
                        },
                        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "Z82.49"},
                    ]
                )
            )
        )
    if draw(st.integers(0, 6)) == 0:
        res["code"]["text"] = "FH: arthritis"
    for key in ("clinicalStatus", "verificationStatus"):
        status = draw(
            st.sampled_from(
                [None, "active", "resolved", "inactive", "confirmed", "refuted", "entered-in-error"]
            )
        )
        if status:
            res[key] = {"coding": [{"code": status}]}
    for key, end in (
        ("onsetDateTime", False),
        ("recordedDate", False),
        ("abatementDateTime", True),
    ):
        text = _date_text(draw)
        if text is not None and (not end or draw(st.booleans())):
            res[key] = text
    extra = draw(st.sampled_from([None] * 6 + ["bodySite", "category", "abatementString"]))
    if extra == "bodySite":
        res["bodySite"] = [{"coding": [{"system": "http://snomed.info/sct", "code": "122496007"}]}]
    elif extra == "category":
        res["category"] = [{"coding": [{"code": "problem-list-item"}]}]
    elif extra == "abatementString":
        res["abatementString"] = "gone"
    return res


def _unit_for(draw: Any, target: str) -> dict[str, Any]:
    dimension = units.CANONICAL[units.canonical_unit(target) or target].dimension
    same = [a for a, c in units.ALIASES.items() if units.CANONICAL[c].dimension == dimension]
    unit = draw(st.sampled_from([*same, target, "kg", None, "MM[HG]", " mmHg"]))
    q: dict[str, Any] = {}
    where = draw(st.sampled_from(["code", "unit", "both"]))
    if unit is not None:
        if where in ("code", "both"):
            q["code"] = unit
        if where in ("unit", "both"):
            q["unit"] = unit
    return q


@st.composite
def observation(draw: Any, kb: Any, measures: Any, pid: str, i: int) -> dict[str, Any]:
    (system, code), (_, target) = draw(st.sampled_from(sorted(measures.items())))
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"o{pid}-{i}",
        "status": draw(st.sampled_from(["final", "final", "amended", "entered-in-error"])),
        "subject": {"reference": draw(st.sampled_from([f"Patient/{pid}", f"urn:uuid:{pid}"]))},
        "code": {"coding": [{"system": draw(_uri(system)), "code": code}]},
    }
    when = _date_text(draw)
    if when is not None:
        res["effectiveDateTime"] = when
    value = draw(st.one_of(st.integers(0, 200), st.floats(0, 200, allow_nan=False)))

    def quantity() -> dict[str, Any]:
        kind = draw(st.sampled_from(["q"] * 6 + ["int", "string", "comparator", "none"]))
        if kind == "int":
            return {"valueInteger": int(value)}
        if kind == "string":
            return {"valueString": str(value)}
        if kind == "none":
            return {}
        q = {"value": value, **_unit_for(draw, target)}
        if kind == "comparator":
            q["comparator"] = "<"
        return {"valueQuantity": q}

    if draw(st.integers(0, 3)) == 0:  # a panel: components
        del res["code"]
        res["code"] = {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]}
        comps = []
        for _ in range(draw(st.integers(1, 3))):
            (s2, c2), (_, t2) = draw(st.sampled_from(sorted(measures.items())))
            target = t2
            comps.append(
                {"code": {"coding": [{"system": draw(_uri(s2)), "code": c2}]}, **quantity()}
            )
        res["component"] = comps
    else:
        res.update(quantity())
    return res


@st.composite
def medication(draw: Any, kb: Any, pid: str, i: int) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": f"m{pid}-{i}",
        "status": draw(st.sampled_from(["active", "completed", "stopped", "entered-in-error"])),
        "subject": {"reference": f"Patient/{pid}"},
        "medicationCodeableConcept": _cc(draw, kb),
    }
    start, end = _date_text(draw), _date_text(draw)
    if start is not None:
        res[draw(st.sampled_from(["authoredOn", "effectiveDateTime"]))] = start
    if end is not None:
        res["effectivePeriod"] = {"end": end}
    return res


@st.composite
def procedure(draw: Any, kb: Any, pid: str, i: int) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": f"p{pid}-{i}",
        "status": draw(st.sampled_from(["completed", "not-done", "entered-in-error"])),
        "subject": {"reference": f"Patient/{pid}"},
        "code": _cc(draw, kb),
    }
    when = _date_text(draw)
    if when is not None:
        if draw(st.booleans()):
            res["performedDateTime"] = when
        else:
            res["performedPeriod"] = {"start": when}
    return res


@st.composite
def exports(draw: Any, kb: Any, measures: Any, max_patients: int = 6) -> dict[str, list[bytes]]:
    """File name -> lines."""
    files: dict[str, list[bytes]] = {
        "Patient.ndjson": [],
        "Condition.ndjson": [],
        "Observation.ndjson": [],
        "MedicationRequest.ndjson": [],
        "Procedure.ndjson": [],
    }
    n = draw(st.integers(1, max_patients))
    for p in range(n):
        pid = f"p{p}"
        files["Patient.ndjson"].append(
            orjson.dumps(
                {
                    "resourceType": "Patient",
                    "id": pid,
                    "birthDate": draw(st.sampled_from(["1970-01-01", "1970", "1970-13-01"])),
                }
            )
        )
        owner = pid if draw(st.integers(0, 8)) else "ghost"
        for i in range(draw(st.integers(0, 4))):
            files["Condition.ndjson"].append(orjson.dumps(draw(condition(kb, owner, i))))
        for i in range(draw(st.integers(0, 6))):
            files["Observation.ndjson"].append(
                orjson.dumps(draw(observation(kb, measures, owner, i)))
            )
        for i in range(draw(st.integers(0, 3))):
            files["MedicationRequest.ndjson"].append(orjson.dumps(draw(medication(kb, owner, i))))
        for i in range(draw(st.integers(0, 2))):
            files["Procedure.ndjson"].append(orjson.dumps(draw(procedure(kb, owner, i))))
    for name in files:
        if draw(st.integers(0, 6)) == 0:
            lines = files[name]
            at = draw(st.integers(0, len(lines)))
            lines.insert(
                at,
                draw(
                    st.sampled_from([b"{not json", b"[1, 2]", b"", b"  ", b'{"resourceType": 5}'])
                ),
            )
    return files


def write_export(files: dict[str, list[bytes]], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, lines in files.items():
        (folder / name).write_bytes(b"".join(line + b"\n" for line in lines))
    return folder
