"""The KB's rules compiled to one SQL query over the fact tables (:mod:`spinecare.bulk.facts`).

SQL's NULL is UNKNOWN: ``AND``, ``OR`` and ``NOT`` are already Kleene's, so ``all``,
``any`` and ``not`` compile to themselves; ``either`` (TRUE if any is TRUE, FALSE if
any is FALSE, else UNKNOWN) becomes a CASE. Leaves follow :mod:`spinecare.engine.evaluate`:

- ``condition`` / ``medication`` / ``procedure``: closed world, an aggregate over the
  patient's rows that is never NULL (a procedure done with no usable date: UNKNOWN);
- ``measure``: the latest value on or before the date (ties: the later fact), NULL when
  it is older than the measure's freshness window (FALSE when ``when_missing: absent``
  and the measure was never taken: a reading set aside counts as taken), or when readings
  of its day without a time, in no known order, disagree on the comparison;
- ``answer``: the latest answer, the same way;
- ``age``: NULL when the patient has no date of birth.

Screening follows :mod:`spinecare.engine.screening`: the verdict is the most severe
effect of a TRUE rule that a clearance has not settled, raised to ``needs_data`` when an
UNKNOWN rule is more severe; ``indicated`` is the OR of the indications; the missing
items are the gaps of the UNKNOWN rules, in rule order, each once.

Nothing here is written per rule: every column is generated from the KB. The date is
compiled in as a literal, so one query screens one date. Two dialects: DuckDB and
Spark SQL differ only in list functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from spinecare.bulk.facts import FIRST_PATIENTS, READ_CONDITIONS, READ_PROCEDURES, encode_answer
from spinecare.engine.evaluate import (
    CONFIRM_ITEM,
    PROCEDURE_NOT_DONE,
    years_before,
)
from spinecare.engine.screening import SEVERITY
from spinecare.kb.expressions import (
    AgeUnder,
    AllOf,
    Answered,
    AnyOf,
    Compare,
    Either,
    HadProcedure,
    HasCondition,
    HasMedication,
    NotExpr,
)
from spinecare.kb.loader import KB
from spinecare.kb.schema import VERDICTS, Question
from spinecare.record.model import BIRTH_DATE_ITEM
from spinecare.record.standing import (
    CONDITION_RECENT,
    CONDITION_STANDING,
    MEDICATION_IN_FORCE_ON,
    MEDICATION_RECENT_ON,
    rank_sql,
)
from spinecare.record.standing import sql as standing_sql
from spinecare.record.units import DECIMALS

CONDITION_COLUMNS = {
    "onset": "onset",
    "onset_last": "onset_last",
    "recorded": "recorded",
    "abatement": "abatement",
    "clinical_status": "clinical",
    "verification_status": "verification",
}
"""The fields of a condition (spinecare.record.standing) as columns of ``conditions``."""
MEDICATION_COLUMNS = {
    "status": "status",
    "start": "start_date",
    "end": "end_date",
    "start_last": "start_last",
    "end_first": "end_first",
}
"""The fields of a medication as columns of ``medications``."""


def condition_standing_sql(as_of: str, next_day: str) -> str:
    """How a condition row stands on ``as_of`` (a SQL date; ``next_day`` the day after
    it), as the engine decides it."""
    return standing_sql(CONDITION_STANDING, CONDITION_COLUMNS, as_of, next_day=next_day)


def medication_in_force_sql(as_of: str) -> str:
    """A medication row is taken on ``as_of`` (a SQL date), as the engine decides it."""
    return standing_sql(MEDICATION_IN_FORCE_ON, MEDICATION_COLUMNS, as_of)


def medication_recent_sql(as_of: str, since: str, next_day: str) -> str:
    """A medication row not taken on ``as_of`` but taken from ``since`` on, or from the
    day after (``next_day``) (SQL dates), to confirm, as the engine decides it (clinic
    policy policy_recent_medication)."""
    return standing_sql(MEDICATION_RECENT_ON, MEDICATION_COLUMNS, as_of, since, next_day)


OUTPUT_COLUMNS = (
    "patient_id",
    "verdict",
    "indicated",
    "indications",
    "present",
    "unknown",
    "missing",
)
NEVER = 1 << 30
EARLIEST = date(1, 1, 1)


def read_observations(kb: KB) -> str:
    """The ``observations`` table as the rules read it: a reading of a measure graded by the
    mean of a day's readings (``Measure.day_mean``) lower than the mean of its day's
    readings counts as that mean; a reading dated only by a month or a year is in no mean
    and unchanged (the engine's ``_with_day_means``), in DuckDB and Spark SQL alike."""
    graded = {m.id for m in kb.measures.values() if m.day_mean}
    if not graded:
        return "observations"
    cols = "pid, measure, {}, obs_date, obs_time, in_order, seq, obs_last"
    day = "obs_last IS NULL AND obs_date IS NOT NULL"
    mean = (
        f"ROUND(AVG(CASE WHEN {day} THEN value END) OVER (PARTITION BY pid, measure, obs_date),"
        f" {DECIMALS})"
    )
    value = f"CASE WHEN {day} AND value IS NOT NULL THEN GREATEST(value, {mean}) ELSE value END"
    return (
        f"(SELECT {cols.format('value')} FROM observations WHERE measure NOT IN {in_list(graded)}"
        f" UNION ALL SELECT {cols.format(value + ' AS value')} FROM observations"
        f" WHERE measure IN {in_list(graded)}) observations"
    )


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def in_list(values: frozenset[str] | set[str]) -> str:
    return "(" + ", ".join(lit(v) for v in sorted(values)) + ")"


@dataclass(frozen=True)
class Dialect:
    """The few places where DuckDB and Spark SQL differ: lists of values."""

    name: str

    def array(self, items: list[str]) -> str:
        if self.name == "spark":
            return f"array({', '.join(items)})"
        return f"list_value({', '.join(items)})"

    def non_null(self, array: str) -> str:
        if self.name == "spark":
            return f"filter({array}, x -> x IS NOT NULL)"
        return f"list_filter({array}, lambda x: x IS NOT NULL)"

    def pair(self, pos: str, item: str) -> str:
        if self.name == "spark":
            return f"named_struct('p', {pos}, 'i', {item})"
        return f"struct_pack(p := {pos}, i := {item})"

    def ordered_items(self, pairs: list[str]) -> str:
        """Items of (position, item) pairs with a position, sorted by position."""
        if self.name == "spark":
            kept = f"filter(array({', '.join(pairs)}), x -> x.p < {NEVER})"
            return f"transform(array_sort({kept}), x -> x.i)"
        kept = f"list_filter(list_value({', '.join(pairs)}), lambda x: x.p < {NEVER})"
        return f"list_transform(list_sort({kept}), lambda x: x.i)"

    def empty_list(self) -> str:
        if self.name == "spark":
            return "CAST(array() AS ARRAY<STRING>)"
        return "CAST(list_value() AS VARCHAR[])"

    def date(self, value: date) -> str:
        return f"DATE '{value.isoformat()}'"

    def step(self, name: str, sql: str) -> str:
        """A step of the query as a common table expression. DuckDB computes each step
        once (``MATERIALIZED``): inlined into the next, the rules' large expressions are
        planned over again, and planning is most of the query's time (see
        ``benchmarks/bulk.py``)."""
        if self.name == "duckdb":
            return f"{name} AS MATERIALIZED ({sql})"
        return f"{name} AS ({sql})"

    def double(self, value: float) -> str:
        return f"CAST('{float(value)!r}' AS DOUBLE)"


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")


def _unclear(column: str, choices: Iterable[str] | None = None) -> str:
    """SQL: an answer (:func:`~spinecare.bulk.facts.encode_answer`) that to a yes/no question
    says neither yes nor no: words, or a number other than 1 or 0; to a choice question
    (``choices``, its values), one that names none of them (the engine's ``unclear``)."""
    if choices is not None:
        return f"({column} NOT IN {in_list({encode_answer(c) for c in choices})})"
    return f"({column} LIKE 's:%' OR {column} LIKE 'n:%')"


def _choices(question: Question) -> list[str] | None:
    """The values of a choice question; None for a yes/no one."""
    return [c.value for c in question.choices] if question.type == "choice" else None


def _unclear_of(column: str, questions: Iterable[Question]) -> str:
    """SQL: :func:`_unclear` of an answer to whichever of ``questions`` its row's
    ``question`` names."""
    cases = [
        f"WHEN question = {lit(q.id)} THEN {_unclear(column, choices)}"
        for q in questions
        if (choices := _choices(q)) is not None
    ]
    if not cases:
        return _unclear(column)
    return f"(CASE {' '.join(cases)} ELSE {_unclear(column)} END)"


def _days_before(as_of: date, days: float) -> date:
    """``as_of - timedelta(days=days)`` exactly as the engine computes it."""
    try:
        return as_of - timedelta(days=days)
    except OverflowError:
        return date.min


@dataclass
class _Leaves:
    """Distinct leaves of all rules, each one column of the ``leaves`` CTE."""

    conditions: dict[tuple[Any, ...], str] = field(default_factory=dict)
    medications: dict[str, str] = field(default_factory=dict)
    procedures: dict[tuple[str, str], str] = field(default_factory=dict)
    measures: set[str] = field(default_factory=set)
    questions: set[str] = field(default_factory=set)
    # (question, the answer a rule asks for): whether an answer dated only by a month or a
    # year that would raise it may be the latest
    partial_answers: dict[tuple[str, bool | str | float], str] = field(default_factory=dict)
    ages: set[int] = field(default_factory=set)


@dataclass
class Compiled:
    """The SQL of one screening date; ``sql`` selects one row per patient."""

    sql: str
    as_of: date
    dialect: str
    rules: list[str]
    steps: list[tuple[str, str]]
    """The same query as named steps (``name``, ``SELECT``), the last one the result:
    an engine may materialise them one by one (Spark does, to keep plans small)."""
    deceased_sql: str = ""
    """Counts the patients not screened because they are recorded as deceased."""


class Compiler:
    """Compiles a KB's rules and indications for one date and dialect."""

    def __init__(
        self, kb: KB, as_of: date, dialect: Dialect = DUCKDB, *, clearances: bool = True
    ) -> None:
        self.with_clearances = clearances
        self.kb = kb
        self.as_of = as_of
        self.d = dialect
        self.leaves = _Leaves()

    # expressions -------------------------------------------------------------------

    def _compare(self, node: Compare) -> str:
        kb = self.kb
        measure = kb.measures[node.measure]
        self.leaves.measures.add(measure.id)
        test = f"(l.m_{measure.id} {node.op} {self.d.double(kb.threshold(node.threshold))})"
        # a reading set aside that may decide (the engine's ``_unread``): unknown, but for
        # the highest reading, what a higher one could not change
        # a reading set aside, of the window or the day after
        aside = f"(l.s_{measure.id} OR COALESCE(l.ns_{measure.id}, FALSE))"
        limit = self.d.double(kb.threshold(node.threshold))
        # readings dated the day after (the engine's ``Facts.ahead``): with the highest
        # deciding, the highest of them may raise it; with the latest, any may be it
        ahead_lo, ahead_hi = f"l.nlo_{measure.id}", f"l.nhi_{measure.id}"
        value = f"l.m_{measure.id}"
        if measure.aggregate == "max":
            rises = f"COALESCE({ahead_hi} > {value}, FALSE)"
            higher = f"({ahead_hi} {node.op} {limit})"
            if node.op in (">", ">="):
                held = f"COALESCE({test}, FALSE)"
                test = (
                    f"(CASE WHEN ({aside} OR ({rises} AND {higher})) AND NOT {held}"
                    f" THEN NULL ELSE {test} END)"
                )
            else:
                held = f"COALESCE({test}, TRUE)"
                test = (
                    f"(CASE WHEN ({aside} OR ({rises} AND NOT {higher})) AND {held}"
                    f" THEN NULL ELSE {test} END)"
                )
        else:
            # the readings of the deciding day that may each be the latest (the engine's
            # ``Spread``), and those dated the day after: unknown where the lowest and
            # the highest disagree
            lo, hi = f"l.lo_{measure.id}", f"l.hi_{measure.id}"
            low = f"(LEAST({lo}, COALESCE({ahead_lo}, {lo})) {node.op} {limit})"
            high = f"(GREATEST({hi}, COALESCE({ahead_hi}, {hi})) {node.op} {limit})"
            test = f"(CASE WHEN {aside} OR {low} <> {high} THEN NULL ELSE {test} END)"
        # readings dated only by a month or a year that may decide (the engine's
        # ``Facts.partial``): a comparison that does not hold is unknown where one of them
        # would hold it; one that holds stays (clinic policy policy_partial_date_reading)
        # and so does one set aside (``ps_``: its value not known, any; with the highest
        # deciding, any above it)
        aside_partial = f"l.ps_{measure.id}"
        if measure.aggregate == "max":
            top = f"l.pmx_{measure.id}"
            maybe = f"({top} > {value} AND {top} {node.op} {limit})"
            if node.op in (">", ">="):
                maybe = f"({maybe} OR {aside_partial})"
        else:
            maybe = (
                f"(l.plo_{measure.id} {node.op} {limit} OR l.phi_{measure.id} {node.op} {limit}"
                f" OR {aside_partial})"
            )
        test = (
            f"(CASE WHEN NOT COALESCE({test}, TRUE) AND COALESCE({maybe}, FALSE)"
            f" THEN NULL ELSE {test} END)"
        )
        if measure.when_missing == "absent":
            # never measured: absent; measured, but not within the window, or only on the
            # day after: unknown
            return (
                f"(CASE WHEN {value} IS NOT NULL THEN {test}"
                f" WHEN l.h_{measure.id} OR COALESCE(l.nh_{measure.id}, FALSE) THEN NULL"
                " ELSE FALSE END)"
            )
        return test

    def expr(self, node: Any) -> str:
        """The SQL boolean (NULL for UNKNOWN) of an expression over the leaves' columns."""
        kb = self.kb
        if isinstance(node, HasCondition):
            key = (node.condition, node.set, node.status, node.zone, node.within_days)
            name = self.leaves.conditions.setdefault(key, f"c{len(self.leaves.conditions)}")
            return f"l.{name}"
        if isinstance(node, HasMedication):
            name = self.leaves.medications.setdefault(
                node.medication, f"md{len(self.leaves.medications)}"
            )
            return f"l.{name}"
        if isinstance(node, AgeUnder):
            years = int(kb.threshold(node.age_under))
            self.leaves.ages.add(years)
            return f"l.age_{years}"
        if isinstance(node, HadProcedure):
            key2 = (node.procedure, node.within_days)
            name = self.leaves.procedures.setdefault(key2, f"pr{len(self.leaves.procedures)}")
            return f"l.{name}"
        if isinstance(node, Compare):
            return self._compare(node)
        if isinstance(node, Answered):
            question = kb.questions[node.answer]
            self.leaves.questions.add(question.id)
            column = f"l.a_{question.id}"
            test = f"({column} = {lit(encode_answer(node.equals))})"
            if question.when_missing == "absent":
                test = f"COALESCE({test}, FALSE)"
            if isinstance(node.equals, bool) or question.type == "choice":
                # an answer that says neither yes nor no, or names no choice, is unknown,
                # never a no, and does not overturn an earlier clear one that raises it
                clear = f"l.c_{question.id} = {lit(encode_answer(node.equals))}"
                unclear = _unclear(column, _choices(question))
                test = (
                    f"(CASE WHEN {unclear} THEN (CASE WHEN {clear} THEN TRUE END) ELSE {test} END)"
                )
            # an answer dated only by a month or a year that may be the latest (the
            # engine's ``maybe_later``): one the deciding answer rules out is unknown where
            # it would raise it; one that holds stays (clinic policy
            # policy_partial_date_reading)
            asked = (question.id, node.equals)
            later = self.leaves.partial_answers.setdefault(
                asked, f"pa{len(self.leaves.partial_answers)}"
            )
            return (
                f"(CASE WHEN NOT COALESCE({test}, TRUE) AND COALESCE(l.{later}, FALSE)"
                f" THEN NULL ELSE {test} END)"
            )
        if isinstance(node, AllOf):
            return "(" + " AND ".join(self.expr(c) for c in node.all) + ")"
        if isinstance(node, AnyOf):
            return "(" + " OR ".join(self.expr(c) for c in node.any) + ")"
        if isinstance(node, NotExpr):
            return f"(NOT {self.expr(node.not_)})"
        if isinstance(node, Either):
            parts = [self.expr(c) for c in node.either]
            true = " OR ".join(f"COALESCE({p}, FALSE)" for p in parts)
            false = " OR ".join(f"NOT COALESCE({p}, TRUE)" for p in parts)
            return f"(CASE WHEN {true} THEN TRUE WHEN {false} THEN FALSE END)"
        raise TypeError(f"not a rule expression: {type(node).__name__}")

    def gaps(self, node: Any) -> list[tuple[str, str, tuple[str, ...]]]:
        """The gap items of ``node`` when it is UNKNOWN, in order.

        Each entry: ``(item SQL, guard SQL, the item ids it can yield)``.

        Mirrors the engine's trace: ``all``/``any`` keep the gaps of their UNKNOWN
        children; ``either`` keeps one (the first of its children's, all UNKNOWN).
        """
        kb = self.kb
        if isinstance(node, HasCondition | HasMedication | HadProcedure):
            return [(lit(CONFIRM_ITEM), "TRUE", (CONFIRM_ITEM,))]
        if isinstance(node, AgeUnder):
            return [(lit(BIRTH_DATE_ITEM), "TRUE", (BIRTH_DATE_ITEM,))]
        if isinstance(node, Compare):
            measure = kb.measures[node.measure]
            if measure.when_missing == "absent":
                taken = f"(l.h_{measure.id} OR COALESCE(l.nh_{measure.id}, FALSE))"
                return [(lit(measure.item), taken, (measure.item,))]
            return [(lit(measure.item), "TRUE", (measure.item,))]
        if isinstance(node, Answered):
            question = kb.questions[node.answer]
            if question.when_missing == "absent":
                # only an answer that says neither yes nor no (unless a clear one before it
                # raises the finding), or one of a month or a year that may be the latest,
                # leaves it unknown
                return [(lit(question.id), f"({self.expr(node)}) IS NULL", (question.id,))]
            return [(lit(question.id), "TRUE", (question.id,))]
        if isinstance(node, AllOf | AnyOf):
            children = node.all if isinstance(node, AllOf) else node.any
            out: list[tuple[str, str, tuple[str, ...]]] = []
            for child in children:
                unknown = f"({self.expr(child)}) IS NULL"
                for item, guard, ids in self.gaps(child):
                    both = unknown if guard == "TRUE" else f"{unknown} AND {guard}"
                    out.append((item, both, ids))
            return out
        if isinstance(node, NotExpr):
            return self.gaps(node.not_)
        if isinstance(node, Either):
            entries = [e for child in node.either for e in self.gaps(child)]
            if not entries:
                return []
            if entries[0][1] == "TRUE":
                return [entries[0]]
            whens = " ".join(f"WHEN {guard} THEN {item}" for item, guard, _ in entries)
            ids = tuple(dict.fromkeys(i for _, _, found in entries for i in found))
            return [(f"(CASE {whens} END)", "TRUE", ids)]
        return []

    # leaves ------------------------------------------------------------------------

    def _condition_test(self, key: tuple[Any, ...]) -> str:
        """The truth of one condition row as 2 (TRUE), 1 (UNKNOWN) or 0 (FALSE), as the
        engine's ``_condition_truth`` decides it."""
        concept, cset, status, zone, within = key
        truth = rank_sql(status, "standing")  # the row's standing, computed once (_ctes)
        if within is not None:  # at most its recency's truth (the engine's ``rank_of``)
            d = self.d
            since = d.date(_days_before(self.as_of, self.kb.threshold(within)))
            recent = standing_sql(CONDITION_RECENT, CONDITION_COLUMNS, d.date(self.as_of), since)
            truth = f"LEAST({truth}, {recent})"
        parts = [f"concept = {lit(concept)}"]
        if cset is not None:
            parts.append(f"(cset = {lit(cset)} OR (certain = 0 AND cset IS NULL))")
        if zone is not None:
            parts.append(f"(zones = '' OR zones LIKE {lit('%|' + zone + '|%')})")
        match = " AND ".join(parts)
        return f"CASE WHEN {match} THEN LEAST({truth}, CASE WHEN certain = 1 THEN 2 ELSE 1 END)"

    def _aggregate(self, table: str, tests: dict[str, str]) -> str:
        """Per patient, the largest truth (2, 1 or 0) of each leaf over the table's rows."""
        cols = ", ".join(
            f"MAX({test} ELSE 0 END) AS {name}"
            if test.startswith("CASE WHEN")
            else f"MAX(CASE WHEN {test} THEN 1 ELSE 0 END) AS {name}"
            for name, test in tests.items()
        )
        return f"SELECT pid, {cols} FROM {table} GROUP BY pid"

    def _measures_cte(self, ids: list[str]) -> tuple[str, str, list[str]]:
        """(name, SQL, columns) of the measure leaves: per measure the deciding value
        (``m_``), whether it was ever taken (``h_``), whether a reading set aside may
        decide (``s_``) and, decided by the latest, the lowest and highest value of the
        readings of its day that may each be the latest (``lo_``, ``hi_``) and of those
        dated only by a month or a year whose span reaches that day (``plo_``, ``phi_``);
        decided by the highest, the highest of those whose span begins before the window
        and reaches into it (``pmx_``)."""
        d, kb, as_of = self.d, self.kb, self.d.date(self.as_of)
        # the latest reading by date, then time (a date alone first), then record order;
        # readings set aside (no value) are ranked apart: they say that the measure
        # was taken, and one within the window of the deciding reading's day or newer
        # (with ``max``: any) leaves it unknown. ``top``: the deciding reading's day;
        # ``rk``: the rank among the readings whose order is known (a time, or entered
        # in order) and, apart, among those whose order is not: on ``top``, every one
        # of these, the latest of those and any taken at its very time may be the latest
        # (the engine's ``Spread``)
        order = "obs_date DESC NULLS LAST, COALESCE(obs_time, -1e300) DESC, seq DESC"
        loose = "(obs_time IS NULL AND in_order = 0)"
        ranked = (
            "SELECT pid, measure, value, obs_date, obs_time, obs_last, in_order, ROW_NUMBER()"
            " OVER ("
            f"PARTITION BY pid, measure, value IS NULL ORDER BY {order}) AS rn,"
            " MAX(obs_date) OVER (PARTITION BY pid, measure, value IS NULL) AS top,"
            " FIRST_VALUE(obs_time) OVER ("
            f"PARTITION BY pid, measure, value IS NULL ORDER BY {order}) AS top_time,"
            " FIRST_VALUE(in_order) OVER ("
            f"PARTITION BY pid, measure, value IS NULL ORDER BY {order}) AS top_in_order,"
            f" {loose} AS loose, ROW_NUMBER() OVER ("
            f"PARTITION BY pid, measure, value IS NULL, {loose} ORDER BY {order}) AS rk "
            f"FROM {read_observations(kb)} WHERE (obs_date <= {as_of} OR obs_date IS NULL)"
            f" AND measure IN {in_list(set(ids))}"
        )
        cols = []
        names = []
        for mid in ids:
            measure = kb.measures[mid]
            since = d.date(_days_before(self.as_of, kb.threshold(measure.fresh_days)))
            fresh = f"measure = {lit(mid)} AND obs_date >= {since}"
            if measure.aggregate == "max":
                # the highest reading within the window, when the latest is within it
                cols.append(
                    "CASE WHEN MAX(CASE WHEN rn = 1 AND value IS NOT NULL"
                    f" AND {fresh} THEN 1 END) = 1"
                    f" THEN MAX(CASE WHEN {fresh} THEN value END) END AS m_{mid}"
                )
                maybe_fresh = (
                    f"measure = {lit(mid)} AND value IS NOT NULL AND obs_date < {since}"
                    f" AND obs_last >= {since}"
                )
                cols.append(f"MAX(CASE WHEN {maybe_fresh} THEN value END) AS pmx_{mid}")
                names.append(f"pmx_{mid}")
            else:
                cols.append(f"MAX(CASE WHEN rn = 1 AND {fresh} THEN value END) AS m_{mid}")
                # and those dated a day before the deciding reading yet taken after it by
                # their times (the engine's ``Facts.crossed``)
                may_decide = (
                    f"measure = {lit(mid)} AND value IS NOT NULL AND (obs_date = top"
                    " AND (loose OR rk = 1 OR obs_time = top_time"
                    " AND NOT (in_order = 1 AND top_in_order = 1))"
                    " OR obs_date < top AND obs_time > top_time)"
                )
                cols.append(f"MIN(CASE WHEN {may_decide} THEN value END) AS lo_{mid}")
                cols.append(f"MAX(CASE WHEN {may_decide} THEN value END) AS hi_{mid}")
                may_be_later = f"measure = {lit(mid)} AND value IS NOT NULL AND obs_last >= top"
                cols.append(f"MIN(CASE WHEN {may_be_later} THEN value END) AS plo_{mid}")
                cols.append(f"MAX(CASE WHEN {may_be_later} THEN value END) AS phi_{mid}")
                names += [f"lo_{mid}", f"hi_{mid}", f"plo_{mid}", f"phi_{mid}"]
            cols.append(f"MAX(CASE WHEN measure = {lit(mid)} THEN 1 END) = 1 AS h_{mid}")
            aside = (
                f"MAX(CASE WHEN measure = {lit(mid)} AND value IS NULL AND obs_date >= {since}"
                " THEN obs_date END)"
            )
            # a reading set aside dated only by a month or a year whose period reaches
            # into the window (and, the latest deciding, the deciding reading's day)
            aside_span = (
                f"MAX(CASE WHEN measure = {lit(mid)} AND value IS NULL AND obs_last >= {since}"
                " THEN obs_last END)"
            )
            # a reading set aside that the record does not date may be of any day: it
            # may decide whichever reading is the latest
            undated = (
                f"COALESCE(MAX(CASE WHEN measure = {lit(mid)} AND value IS NULL"
                " AND obs_date IS NULL THEN 1 END) = 1, FALSE)"
            )
            if measure.aggregate == "max":
                cols.append(f"(COALESCE({aside} IS NOT NULL, FALSE) OR {undated}) AS s_{mid}")
                cols.append(f"COALESCE({aside_span} IS NOT NULL, FALSE) AS ps_{mid}")
            else:
                latest = (
                    f"MAX(CASE WHEN measure = {lit(mid)} AND value IS NOT NULL AND rn = 1"
                    " THEN obs_date END)"
                )
                cols.append(f"(COALESCE({aside} >= {latest}, FALSE) OR {undated}) AS s_{mid}")
                cols.append(f"COALESCE({aside_span} >= {latest}, FALSE) AS ps_{mid}")
        sql = f"SELECT pid, {', '.join(cols)} FROM ({ranked}) r GROUP BY pid"
        names += [c for m in ids for c in (f"m_{m}", f"h_{m}", f"s_{m}", f"ps_{m}")]
        return ("obs", sql, names)

    def _ahead_cte(self, ids: list[str]) -> tuple[str, str, list[str]]:
        """(name, SQL, columns) of the readings dated the day after the screening day,
        which may have been taken on it (the engine's ``Facts.ahead``): per measure their
        lowest and highest value (``nlo_``, ``nhi_``), whether there is one at all
        (``nh_``) and whether one was set aside (``ns_``)."""
        d = self.d
        cols = []
        for mid in ids:
            of = f"measure = {lit(mid)}"
            cols.append(f"MIN(CASE WHEN {of} THEN value END) AS nlo_{mid}")
            cols.append(f"MAX(CASE WHEN {of} THEN value END) AS nhi_{mid}")
            cols.append(f"MAX(CASE WHEN {of} THEN 1 END) = 1 AS nh_{mid}")
            cols.append(f"MAX(CASE WHEN {of} AND value IS NULL THEN 1 END) = 1 AS ns_{mid}")
        sql = (
            f"SELECT pid, {', '.join(cols)} FROM {read_observations(self.kb)}"
            f" WHERE obs_date = {d.date(self.as_of + timedelta(days=1))}"
            f" AND measure IN {in_list(set(ids))} GROUP BY pid"
        )
        names = [f"{k}_{m}" for m in ids for k in ("nlo", "nhi", "nh", "ns")]
        return ("ahead", sql, names)

    def _next_day(self) -> str:
        """The day after the screening date, as a SQL date."""
        return self.d.date(self.as_of + timedelta(days=1))

    def _medications_cte(self) -> tuple[str, str, list[str]]:
        """(name, SQL, columns) of the medication leaves: 2 taken on the date (1 where the
        record is uncertain), 1 taken recently (to confirm)."""
        d, kb, as_of = self.d, self.kb, self.d.date(self.as_of)
        lv = self.leaves
        since = d.date(_days_before(self.as_of, kb.threshold("medication_recent_days")))
        tests = {
            name: (
                f"CASE WHEN concept = {lit(concept)} AND in_force"
                " THEN CASE WHEN certain = 1 THEN 2 ELSE 1 END"
                f" WHEN concept = {lit(concept)} AND recent THEN 1"
            )
            for concept, name in lv.medications.items()
        }
        # whether each row is in force, or recent, once, as columns
        rows = (
            f"(SELECT *, COALESCE({medication_in_force_sql(as_of)}, FALSE) AS in_force,"
            f" COALESCE({medication_recent_sql(as_of, since, self._next_day())}, FALSE)"
            " AS recent"
            " FROM medications) medications"
        )
        return ("med", self._aggregate(rows, tests), list(tests))

    def _ctes(self) -> list[tuple[str, str, list[str]]]:
        """(name, SQL, columns) of the per-patient leaf CTEs."""
        d, kb, as_of = self.d, self.kb, self.d.date(self.as_of)
        out: list[tuple[str, str, list[str]]] = []
        lv = self.leaves
        if lv.conditions:
            tests = {name: self._condition_test(key) for key, name in lv.conditions.items()}
            # a diagnosis given only in an Encounter counts only where no Condition of the
            # record names the same concept and set, unless it had ended before the visit
            # (the engine's rule, RecordIndex._set_aside_visit_diagnoses)
            # each row's standing once, as a column: every leaf of a concept reads it
            rows = (
                f"(SELECT c.*, {condition_standing_sql(as_of, self._next_day())} AS standing"
                f" FROM {READ_CONDITIONS} c WHERE c.visit = 0 OR NOT EXISTS (SELECT 1"
                f" FROM {READ_CONDITIONS} o WHERE o.pid = c.pid AND o.visit = 0"
                " AND o.concept = c.concept AND o.cset IS NOT DISTINCT FROM c.cset"
                " AND NOT (o.abatement IS NOT NULL AND c.onset IS NOT NULL"
                " AND o.abatement < c.onset))) conditions"
            )
            out.append(("cond", self._aggregate(rows, tests), list(tests)))
        if lv.medications:
            out.append(self._medications_cte())
        if lv.procedures:
            tests = {}
            for (concept, within), name in lv.procedures.items():
                since = d.date(_days_before(self.as_of, kb.threshold(within)))
                done = (
                    f"concept = {lit(concept)}"
                    f" AND (status IS NULL OR status NOT IN {in_list(set(PROCEDURE_NOT_DONE))})"
                )
                # done with no date the screening can use, or on a year or month that
                # reaches into the window: whether it is recent is unknown
                # done the day after the date: it may be of the date (to confirm)
                tests[name] = (
                    f"CASE WHEN {done} AND performed IS NULL THEN 1"
                    f" WHEN {done} AND performed >= {since} AND performed <= {as_of}"
                    " THEN CASE WHEN certain = 1 THEN 2 ELSE 1 END"
                    f" WHEN {done} AND performed < {since} AND performed_last >= {since} THEN 1"
                    f" WHEN {done} AND performed > {as_of} AND performed <= {self._next_day()}"
                    " THEN 1"
                )
            out.append(
                ("proc", self._aggregate(f"{READ_PROCEDURES} procedures", tests), list(tests))
            )
        if lv.measures:
            out.append(self._measures_cte(sorted(lv.measures)))
            out.append(self._ahead_cte(sorted(lv.measures)))
        if lv.questions:
            out.append(self._answers_cte(sorted(lv.questions)))
        return out

    def _answers_cte(self, ids: list[str]) -> tuple[str, str, list[str]]:
        """(name, SQL, columns) of the deciding answer to each question (the engine's
        ``_compile_answer``): the latest (``a_``), the latest clear one (``c_``), and
        whether one that may be the latest instead would raise what a rule asks (``pa``)."""
        d, kb = self.d, self.kb
        lv = self.leaves
        earliest = d.date(EARLIEST)
        after = d.date(self.as_of + timedelta(days=1))
        order = (
            f"ORDER BY COALESCE(answer_date, {earliest}) DESC,"
            " COALESCE(answer_time, -1e300) DESC, seq DESC"
        )
        # ahead: an answer dated the day after, which may have been given on the day
        # (the engine's _answers_maybe_later); the others are ranked apart from it
        # rn: the latest answer; rc: the latest of the clear ones (not words), which an
        # unclear answer after it does not overturn where it raises the finding
        # top: the deciding (latest) answer's day; top_time, top_in_order: its time and
        # whether its day's answers are in the order given
        ahead = f"COALESCE(answer_date = {after}, FALSE)"
        unclear = _unclear_of("value", (kb.questions[qid] for qid in ids))
        first = "OVER (PARTITION BY pid, question, ahead " + order + ")"
        ranked = (
            "SELECT pid, question, value, answer_date, answer_last, answer_time, in_order,"
            f" ahead, FIRST_VALUE(answer_time) {first} AS top_time,"
            f" FIRST_VALUE(in_order) {first} AS top_in_order, ROW_NUMBER() OVER"
            f" (PARTITION BY pid, question, ahead {order}) AS rn, ROW_NUMBER() OVER ("
            f"PARTITION BY pid, question, ahead, {unclear} {order}) AS rc,"
            f" MAX(CASE WHEN NOT ahead THEN COALESCE(answer_date, {earliest}) END) OVER"
            f" (PARTITION BY pid, question) AS top FROM (SELECT *, {ahead} AS ahead FROM"
            f" answers WHERE (answer_date IS NULL OR answer_date <= {after})"
            f" AND question IN {in_list(set(ids))})"
        )
        cols = []
        names = []
        fresh_since: dict[str, str] = {}
        for qid in ids:
            question = kb.questions[qid]
            fresh = ""
            if question.fresh_days is not None:
                since = d.date(_days_before(self.as_of, kb.threshold(question.fresh_days)))
                fresh_since[qid] = since
                # an undated answer is of no known day: not within the window
                fresh = f" AND answer_date >= {since}"
            cols.append(
                f"MAX(CASE WHEN question = {lit(qid)}{fresh} AND rn = 1 AND NOT ahead"
                f" THEN value END) AS a_{qid}"
            )
            cols.append(
                f"MAX(CASE WHEN question = {lit(qid)}{fresh} AND rc = 1 AND NOT ahead"
                f" AND NOT {_unclear('value', _choices(question))} THEN value END) AS c_{qid}"
            )
            names += [f"a_{qid}", f"c_{qid}"]
        # answers dated only by a month or a year whose period reaches the deciding
        # answer's day, or with none current, the window (then the latest answer is
        # one of them too), answers of the deciding answer's day in no known order with
        # it (no time, or the same; not both in the order given), and answers dated the
        # day after, that would raise what the rule asks (the engine's ``maybe_later``)
        unordered = (
            "rn > 1 AND answer_date = top AND answer_last IS NULL"
            " AND NOT (in_order = 1 AND top_in_order = 1)"
            " AND (answer_time IS NULL OR top_time IS NULL OR answer_time = top_time)"
        )
        for (qid, equals), name in sorted(lv.partial_answers.items(), key=lambda x: x[1]):
            start = fresh_since.get(qid)
            reach, other, same = ("top", "rn > 1", unordered)
            # to a question with no window, an answer of no known day may be the latest
            # where the deciding one is dated (undated answers come first in the order:
            # top, the deciding day, is then a day, not the earliest)
            same = f"({same} OR (answer_date IS NULL AND rn > 1 AND top <> {earliest}))"
            if start is not None:
                reach = f"GREATEST(top, {start})"
                other = f"(rn > 1 OR top < {start})"
                same = f"{unordered} AND top >= {start}"
            raises = f"value = {lit(encode_answer(equals))}"
            choices = _choices(kb.questions[qid])
            if isinstance(equals, bool) or choices is not None:
                raises = f"({raises} OR {_unclear('value', choices)})"
            cols.append(
                f"COALESCE(MAX(CASE WHEN question = {lit(qid)} AND (ahead OR (NOT ahead AND"
                f" (answer_last >= {reach} AND {other} OR {same}))) AND {raises} THEN 1 END)"
                f" = 1, FALSE) AS {name}"
            )
            names.append(name)
        sql = (
            f"SELECT pid, {', '.join(cols)} FROM ({ranked}) r"
            " WHERE rn = 1 OR rc = 1 OR answer_last IS NOT NULL OR ahead OR answer_date = top"
            " OR answer_date IS NULL"
            " GROUP BY pid"
        )
        return ("ans", sql, names)

    def _clearance_ctes(self) -> list[tuple[str, str, str]]:
        """(rule id, CTE name, SQL) giving the deciding clearance of each clearable rule."""
        d, as_of = self.d, self.d.date(self.as_of)
        earliest = d.date(EARLIEST)
        out = []
        for i, rule in enumerate(self.kb.model.rules):
            if rule.effect != "needs_clearance":
                continue
            names = {rule.concept, rule.id}
            # the latest decision decides while it is in force (engine _settle; its last
            # day in force is Clearance.in_force_until, written by the flattener)
            sql = (
                "SELECT pid, decision FROM (SELECT pid, decision, cleared_on, in_force_until,"
                " ROW_NUMBER() OVER ("
                f"PARTITION BY pid ORDER BY COALESCE(cleared_on, {earliest}) DESC, seq DESC)"
                f" AS rn FROM clearances WHERE name IN {in_list(names)}"
                f" AND (cleared_on IS NULL OR cleared_on <= {as_of})) s WHERE rn = 1"
                f" AND in_force_until >= {as_of}"
            )
            out.append((rule.id, f"cl{i}", sql))
        return out

    # the query ---------------------------------------------------------------------

    def deceased(self, alias: str) -> str:
        """A patient recorded as deceased by the date (as ``Patient.deceased_by``)."""
        as_of = self.d.date(self.as_of)
        return (
            f"(COALESCE({alias}.deceased, 0) = 1"
            f" OR COALESCE({alias}.deceased_on <= {as_of}, FALSE))"
        )

    def compile(self) -> Compiled:
        kb, d = self.kb, self.d
        rules = kb.model.rules
        rule_sql = [self.expr(rule.when) for rule in rules]
        rule_gaps = [self.gaps(rule.when) for rule in rules]
        indication_sql = [self.expr(ind.when) for ind in kb.model.indications]
        ctes = self._ctes()
        clearances = self._clearance_ctes() if self.with_clearances else []
        leaves_sql = self._leaves_sql(ctes, clearances)
        rules_sql, gap_cols = self._rules_sql(rule_sql, rule_gaps, indication_sql, clearances)
        present, unknown, ind_items = self._concept_lists()
        missing = self._missing_sql(rule_gaps, gap_cols)

        def listed(items: list[str]) -> str:
            return d.non_null(d.array(items)) if items else d.empty_list()

        final = (
            f"SELECT pid AS patient_id, {self._verdict_sql()} AS verdict, indicated,"
            f" {listed(ind_items)} AS indications, {listed(present)} AS present,"
            f" {listed(unknown)} AS unknown, {missing} AS missing"
            f" FROM (SELECT *, {self._rank_sql()} AS vr FROM rules_t) v"
        )
        steps = [(name, sql) for name, sql, _ in ctes]
        steps += [(name, sql) for _, name, sql in clearances]
        steps += [("leaves", leaves_sql), ("rules_t", rules_sql), ("screening", final)]
        with_parts = [d.step(name, sql) for name, sql in steps[:-1]]
        sql = "WITH " + ",\n".join(with_parts) + "\n" + final
        return Compiled(
            sql=sql,
            as_of=self.as_of,
            dialect=d.name,
            rules=[r.id for r in rules],
            steps=steps,
            deceased_sql=f"SELECT count(*) FROM {FIRST_PATIENTS} p WHERE {self.deceased('p')}",
        )

    def _leaves_sql(
        self, ctes: list[tuple[str, str, list[str]]], clearances: list[tuple[str, str, str]]
    ) -> str:
        """Leaves: one row per living patient, closed-world leaves never NULL."""
        kb, d = self.kb, self.d
        select = ["p.pid AS pid"]
        oldest = d.date(years_before(self.as_of, int(kb.threshold("birth_date_oldest_years"))))
        for years in sorted(self.leaves.ages):
            cutoff = d.date(years_before(self.as_of, years))
            # no date of birth, one after the screening date, or one older than anyone is
            # (a placeholder such as 1900-01-01): the age is unknown (NULL)
            select.append(
                f"CASE WHEN p.birth_date <= {d.date(self.as_of)} AND p.birth_date >= {oldest}"
                f" THEN p.birth_date > {cutoff} END AS age_{years}"
            )
        joins = []
        for name, _, cols in ctes:
            joins.append(f"LEFT JOIN {name} ON {name}.pid = p.pid")
            for col in cols:
                if name in ("cond", "med", "proc"):
                    # 2: TRUE, 1: UNKNOWN (only uncertain or contradictory rows), 0: FALSE
                    select.append(
                        f"CASE COALESCE({name}.{col}, 0) WHEN 2 THEN TRUE WHEN 1 THEN NULL"
                        f" ELSE FALSE END AS {col}"
                    )
                elif col.startswith("h_"):
                    select.append(f"COALESCE({name}.{col}, FALSE) AS {col}")
                else:
                    select.append(f"{name}.{col} AS {col}")
        for rule_id, name, _ in clearances:
            joins.append(f"LEFT JOIN {name} ON {name}.pid = p.pid")
            select.append(f"{name}.decision AS dec_{kb.model.rules.index(kb.rules[rule_id])}")
        living = f"NOT ({self.deceased('p')})"
        return (
            f"SELECT {', '.join(select)} FROM {FIRST_PATIENTS} p {' '.join(joins)} WHERE {living}"
        )

    def _rules_sql(
        self,
        rule_sql: list[str],
        rule_gaps: list[Any],
        indication_sql: list[str],
        clearances: list[tuple[str, str, str]],
    ) -> tuple[str, list[tuple[int, int]]]:
        """Rules: truth, whether each counts (not cleared) and its severity; the gap
        columns (rule, gap) it adds."""
        kb = self.kb
        rules = kb.model.rules
        cleared = {kb.model.rules.index(kb.rules[rule_id]) for rule_id, _, _ in clearances}
        cols = ["l.pid AS pid"]
        for i, rule in enumerate(rules):
            cols.append(f"{rule_sql[i]} AS r{i}")
            sev = SEVERITY[rule.effect]
            if i in cleared:
                cols.append(f"(l.dec_{i} IS NULL OR l.dec_{i} <> 'cleared') AS k{i}")
                cols.append(
                    f"CASE WHEN l.dec_{i} = 'declined' THEN {SEVERITY['contraindicated']}"
                    f" ELSE {sev} END AS s{i}"
                )
            else:
                cols.append(f"TRUE AS k{i}")
                cols.append(f"{sev} AS s{i}")
        gap_cols = []
        for i, gaps in enumerate(rule_gaps):
            for j, (item, guard, _) in enumerate(gaps):
                cond = "TRUE" if guard == "TRUE" else guard
                cols.append(f"CASE WHEN {cond} THEN {item} END AS g{i}_{j}")
                gap_cols.append((i, j))
        indicated = " OR ".join(indication_sql) if indication_sql else "FALSE"
        cols.append(f"({indicated}) AS indicated")
        for i, sql in enumerate(indication_sql):
            cols.append(f"{sql} AS i{i}")
        return f"SELECT {', '.join(cols)} FROM leaves l", gap_cols

    def _rank_sql(self) -> str:
        """The verdict's severity rank: the worst present finding, at least needs_data
        when a worse finding is UNKNOWN."""
        rules = self.kb.model.rules
        allowed = SEVERITY["allowed"]
        present_sev = [
            f"CASE WHEN COALESCE(r{i}, FALSE) AND k{i} THEN s{i} ELSE {allowed} END"
            for i in range(len(rules))
        ]
        unknown_sev = [
            f"CASE WHEN r{i} IS NULL AND k{i} THEN s{i} ELSE {NEVER} END" for i in range(len(rules))
        ]
        base = f"LEAST({allowed}, {', '.join(present_sev)})" if rules else str(allowed)
        worst_unknown = f"LEAST({NEVER}, {', '.join(unknown_sev)})" if rules else str(NEVER)
        needs_data = SEVERITY["needs_data"]
        return (
            f"CASE WHEN {worst_unknown} < {base} THEN LEAST({base}, {needs_data}) ELSE {base} END"
        )

    @staticmethod
    def _verdict_sql() -> str:
        return (
            "CASE " + " ".join(f"WHEN vr = {SEVERITY[v]} THEN {lit(v)}" for v in VERDICTS) + " END"
        )

    def _concept_lists(self) -> tuple[list[str], list[str], list[str]]:
        """Present and unknown concepts (sorted, as Screening.present_concepts /
        unknown_concepts) and the indications."""
        kb = self.kb
        by_concept: dict[str, list[int]] = {}
        for i, rule in enumerate(kb.model.rules):
            by_concept.setdefault(rule.concept, []).append(i)
        present = [
            f"CASE WHEN {' OR '.join(f'COALESCE(r{i}, FALSE)' for i in idx)} THEN {lit(c)} END"
            for c, idx in sorted(by_concept.items())
        ]
        unknown = [
            f"CASE WHEN {' OR '.join(f'r{i} IS NULL' for i in idx)} THEN {lit(c)} END"
            for c, idx in sorted(by_concept.items())
        ]
        seen_ind: list[str] = []
        ind_items = []
        for ind in kb.model.indications:
            if ind.concept in seen_ind:
                continue
            seen_ind.append(ind.concept)
            same = [
                j for j, other in enumerate(kb.model.indications) if other.concept == ind.concept
            ]
            ind_items.append(
                f"CASE WHEN {' OR '.join(f'COALESCE(i{j}, FALSE)' for j in same)}"
                f" THEN {lit(ind.concept)} END"
            )
        return present, unknown, ind_items

    def _missing_sql(self, rule_gaps: list[Any], gap_cols: list[tuple[int, int]]) -> str:
        """Missing items: gaps of counting UNKNOWN rules, first appearance first."""
        d = self.d
        candidates: list[str] = []
        for i, j in gap_cols:
            for item in rule_gaps[i][j][2]:
                if item not in candidates:
                    candidates.append(item)
        pairs = []
        for item in candidates:
            positions = [
                f"CASE WHEN r{i} IS NULL AND k{i} AND g{i}_{j} = {lit(item)} THEN {pos}"
                f" ELSE {NEVER} END"
                for pos, (i, j) in enumerate(gap_cols)
            ]
            pairs.append(d.pair(f"LEAST({NEVER}, {', '.join(positions)})", lit(item)))
        return d.ordered_items(pairs) if pairs else d.empty_list()


def compile_screening(
    kb: KB, as_of: date, dialect: str | Dialect = "duckdb", *, clearances: bool = True
) -> Compiled:
    """The screening query of ``kb`` on ``as_of`` for ``duckdb`` or ``spark``.

    ``clearances=False`` leaves out the clearance joins, for fact tables known to hold no
    clearances (FHIR exports: the reader records none).
    """
    if isinstance(dialect, str):
        dialect = SPARK if dialect == "spark" else DUCKDB
    return Compiler(kb, as_of, dialect, clearances=clearances).compile()
