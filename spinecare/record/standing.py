"""How a fact stands on a date: one definition for the engine and for bulk screening.

Which statuses and dates keep a condition or a medication in force is written here once,
as a small expression over the fact's fields and the screening date. The engine runs it
as Python (:func:`python_function`: compiled to one function, as fast as written by
hand); bulk screening runs it as SQL over its fact tables (:func:`sql`). A new status or
date rule is a change to :data:`CONDITION_STANDING` or :data:`MEDICATION_IN_FORCE_ON`,
and both follow.

Missing values follow Python: a test of a missing value is false (``None in {...}`` is
False), never SQL's NULL; :func:`sql` writes every test so (``COALESCE(..., FALSE)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

__all__ = [
    "AHEAD",
    "AS_OF",
    "CONDITION_RANK",
    "CONDITION_RECENT",
    "CONDITION_STANDING",
    "CONTRADICTORY",
    "ENDED",
    "IN_FORCE",
    "IN_FORCE_CLINICAL",
    "MEDICATION_IN_FORCE",
    "MEDICATION_IN_FORCE_ON",
    "MEDICATION_RECENT_ON",
    "NEXT_DAY",
    "NOT_HELD",
    "REMOVED_VERIFICATION",
    "SINCE",
    "STATUS_CONTRADICTORY",
    "Expr",
    "python_function",
    "rank_sql",
    "sql",
]

# clinicalStatus values that keep a condition in force (None: no status recorded).
IN_FORCE_CLINICAL = frozenset({"active", "recurrence", "relapse"})
# A status whose codings (or words) disagree on whether the condition holds ("resolved"
# and "active", "refuted" and "confirmed"): it may hold, or may not.
STATUS_CONTRADICTORY = "contradictory"
# verificationStatus values that remove a condition.
REMOVED_VERIFICATION = frozenset({"refuted", "entered-in-error"})
# MedicationRequest / MedicationStatement statuses that keep a medication in force.
MEDICATION_IN_FORCE = frozenset({"active", "intended", "on-hold", "unknown"})
# The status of a course (or of a prescription whose actions have all occurred) that is
# over only once its end date has passed.
MEDICATION_COMPLETED = frozenset({"completed"})
# How a condition stands on a date (:data:`CONDITION_STANDING`); AHEAD: known from the day
# after it (a time written in another zone than the clinic's: it may be of the date).
NOT_HELD, CONTRADICTORY, IN_FORCE, ENDED, AHEAD = range(5)


# ---------------------------------------------------------------------------------------
# The expressions


class Expr:
    """A value or a test over one fact's fields and the screening date."""


@dataclass(frozen=True)
class Field(Expr):
    name: str


@dataclass(frozen=True)
class AsOf(Expr):
    pass


@dataclass(frozen=True)
class Since(Expr):
    """The first day of a window that ends on the screening date (a KB setting: the
    caller gives it, as it gives the date)."""


@dataclass(frozen=True)
class NextDay(Expr):
    """The day after the screening date: a fact dated so may be of the date, its time
    written in another zone than the clinic's (in UTC, 20:00 in New York is 01:00 the
    next day)."""


@dataclass(frozen=True)
class Const(Expr):
    value: int


@dataclass(frozen=True)
class Missing(Expr):
    value: Expr


@dataclass(frozen=True)
class OneOf(Expr):
    value: Expr
    options: frozenset[str]


@dataclass(frozen=True)
class Compare(Expr):
    left: Expr
    op: str  # "<", "<=", ">", ">="
    right: Expr


@dataclass(frozen=True)
class All(Expr):
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf(Expr):
    parts: tuple[Expr, ...]


@dataclass(frozen=True)
class Not(Expr):
    test: Expr


@dataclass(frozen=True)
class If(Expr):
    test: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True)
class FirstOf(Expr):
    """The first value that is not missing (COALESCE)."""

    parts: tuple[Expr, ...]


AS_OF = AsOf()
SINCE = Since()
NEXT_DAY = NextDay()


def _f(name: str) -> Field:
    return Field(name)


def _all(*parts: Expr) -> All:
    return All(parts)


def _any(*parts: Expr) -> AnyOf:
    return AnyOf(parts)


def _on_or_before(value: Expr) -> Expr:
    return Compare(value, "<=", AS_OF)


# ---------------------------------------------------------------------------------------
# The definitions (DESIGN.md section 3: only conditions and medications in force count)

_onset, _recorded, _abatement = _f("onset"), _f("recorded"), _f("abatement")
_clinical, _verification = _f("clinical_status"), _f("verification_status")

CONDITION_START: Expr = If(
    _all(Not(Missing(_onset)), Compare(_onset, ">", AS_OF)),
    # an onset after the date is a slip of the record when the condition was already
    # recorded (or carries no recorded date): the recorded date is used instead
    If(_any(Missing(_recorded), _on_or_before(_recorded)), _recorded, _onset),
    FirstOf((_onset, _recorded)),
)
"""The date a condition is known from on the screening date (missing: undated, known)."""

_onset_last = _f("onset_last")

CONDITION_RECENT: Expr = If(
    Missing(CONDITION_START),
    Const(1),  # undated: whether it is recent is not known
    If(
        Compare(CONDITION_START, ">=", SINCE),
        Const(2),
        # a month or a year that reaches into the window ("2026-10"): not known
        If(
            _all(Not(Missing(_onset_last)), Compare(_onset_last, ">=", SINCE)),
            Const(1),
            Const(0),
        ),
    ),
)
"""Whether a condition began on a day from ``since`` on (an event such as a fall: 2 yes,
1 not known, 0 no): the truth a rule asking for it ``within_days`` takes at most. An onset
given only as a month or a year whose last day is in the window may be in it: not known."""

_ended = _all(Not(Missing(_abatement)), _on_or_before(_abatement))
_ends_later = _all(Not(Missing(_abatement)), Compare(_abatement, ">", AS_OF))

CONDITION_STANDING: Expr = If(
    OneOf(_verification, REMOVED_VERIFICATION),
    Const(NOT_HELD),  # refuted or entered in error
    If(
        _all(Not(Missing(CONDITION_START)), Compare(CONDITION_START, ">", AS_OF)),
        # known from the day after the date: it may be of the date (to confirm); from a
        # later day, not yet recorded
        If(Compare(CONDITION_START, "<=", NEXT_DAY), Const(AHEAD), Const(NOT_HELD)),
        If(
            OneOf(_clinical, frozenset({STATUS_CONTRADICTORY})),
            Const(CONTRADICTORY),
            If(
                OneOf(_clinical, IN_FORCE_CLINICAL),
                # an explicit active status with an abatement on or before the date says both
                # "in force" and "ended": neither is taken
                If(_ended, Const(CONTRADICTORY), Const(IN_FORCE)),
                If(
                    Missing(_clinical),
                    If(_ended, Const(ENDED), Const(IN_FORCE)),
                    # an ended status (resolved, inactive, remission) whose abatement lies after
                    # the date says "ended" and, by its date, "not yet ended": neither is taken
                    If(_ends_later, Const(CONTRADICTORY), Const(ENDED)),
                ),
            ),
        ),
    ),
)
"""How a condition stands on the screening date: NOT_HELD, CONTRADICTORY, IN_FORCE, ENDED
or AHEAD."""

CONDITION_RANK: Mapping[str, Mapping[int, int]] = {
    # a rule's ``status`` -> the truth (0 FALSE, 1 UNKNOWN, 2 TRUE) of each standing
    # known from the day after the date: whether it is of the date is not known
    "ever": {NOT_HELD: 0, CONTRADICTORY: 2, IN_FORCE: 2, ENDED: 2, AHEAD: 1},
    # recorded as both active and ended: it may be in force (never FALSE), or may not
    "in_force": {NOT_HELD: 0, CONTRADICTORY: 1, IN_FORCE: 2, ENDED: 0, AHEAD: 1},
    "past": {NOT_HELD: 0, CONTRADICTORY: 1, IN_FORCE: 0, ENDED: 2, AHEAD: 1},
}
"""Whether a condition that stands so satisfies a rule asking for it ``ever``, ``in_force``
or in the ``past`` (held, no longer in force)."""

_status, _start, _end = _f("status"), _f("start"), _f("end")

MEDICATION_IN_FORCE_ON: Expr = _all(
    _any(
        Missing(_status),
        OneOf(_status, MEDICATION_IN_FORCE),
        # a course recorded as completed that ends on or after the date (a statement's
        # period, a prescription's supply) is still being taken until its end; so is one
        # recorded as taken whose period ends (STATUS_CONTRADICTORY)
        _all(OneOf(_status, MEDICATION_COMPLETED | {STATUS_CONTRADICTORY}), Not(Missing(_end))),
    ),
    _any(Missing(_start), _on_or_before(_start)),
    _any(Missing(_end), Compare(_end, ">=", AS_OF)),
)
"""A medication is taken on the screening date."""

# The statuses of a course that was taken and is over (or was stopped).
MEDICATION_ENDED = frozenset({"completed", "stopped"})
_start_last, _end_first = _f("start_last"), _f("end_first")
# the days the last day it was taken may be, from the earliest to the latest: its end (a
# month or a year given: any day of it), or (a completed or stopped record with no end: a
# prescription with no supply, a dose given) its start (any day of a month or a year)
_last_from = FirstOf((_end_first, _end, _start))
_last_upto = FirstOf((_end, _start_last, _start))

MEDICATION_RECENT_ON: Expr = _all(
    Not(MEDICATION_IN_FORCE_ON),
    _any(
        Missing(_status),
        OneOf(_status, MEDICATION_IN_FORCE | MEDICATION_ENDED | {STATUS_CONTRADICTORY}),
    ),
    _any(
        # recorded as taken, with a period that ended before the date (a statement
        # "active" whose period is over): the record says both, whenever that end was
        _all(OneOf(_status, frozenset({STATUS_CONTRADICTORY})), Compare(_end, "<", AS_OF)),
        # the last day it was taken may be a day from ``since`` to the date
        _all(
            Not(Missing(_last_upto)),
            Compare(_last_upto, ">=", SINCE),
            _on_or_before(_last_from),
        ),
        # ended or stopped with no day recorded at all: when is not known
        _all(OneOf(_status, MEDICATION_ENDED), Missing(_end), Missing(_start)),
        # stopped before the end it was planned to run to, after the date: on some day
        # from its start to the date
        _all(
            OneOf(_status, frozenset({"stopped"})),
            Not(Missing(_end)),
            Compare(_end, ">", AS_OF),
            _any(Missing(_start), _on_or_before(_start)),
        ),
        # started the day after the date: it may be of the date (a time written in
        # another zone than the clinic's)
        _all(
            Not(Missing(_start)),
            Compare(_start, ">", AS_OF),
            Compare(_start, "<=", NEXT_DAY),
        ),
    ),
)
"""A medication not taken on the screening date by the record, but taken (or ended) on a
day from ``since`` (KB threshold ``medication_recent_days`` before the date) to the date:
it may still be taken, or still act; the screening asks to confirm it (clinic policy
``policy_recent_medication``)."""


# ---------------------------------------------------------------------------------------
# As Python


def _py(e: Expr) -> str:
    if isinstance(e, Field):
        return f"fact.{e.name}"
    if isinstance(e, AsOf):
        return "as_of"
    if isinstance(e, Since):
        return "since"
    if isinstance(e, NextDay):
        return "(as_of + _DAY)"
    if isinstance(e, Const):
        return repr(e.value)
    if isinstance(e, Missing):
        return f"({_py(e.value)} is None)"
    if isinstance(e, OneOf):
        options = ", ".join(repr(o) for o in sorted(e.options))
        return f"({_py(e.value)} in {{{options}}})"
    if isinstance(e, Compare):
        return f"({_py(e.left)} {e.op} {_py(e.right)})"
    if isinstance(e, All):
        return "(" + " and ".join(_py(p) for p in e.parts) + ")"
    if isinstance(e, AnyOf):
        return "(" + " or ".join(_py(p) for p in e.parts) + ")"
    if isinstance(e, Not):
        return f"(not {_py(e.test)})"
    if isinstance(e, If):
        return f"({_py(e.then)} if {_py(e.test)} else {_py(e.otherwise)})"
    if isinstance(e, FirstOf):
        out = _py(e.parts[-1])
        for part in reversed(e.parts[:-1]):
            value = _py(part)
            out = f"({value} if {value} is not None else {out})"
        return out
    raise TypeError(f"not a standing expression: {e!r}")


def python_function(e: Expr) -> Callable[..., Any]:
    """``e`` as one Python function of the fact and the date (and a window's first day,
    ``since``, for an expression that names one).

    The source is generated from the definitions above (never from input), so that the
    engine pays no interpretation per call.
    """
    scope: dict[str, Any] = {"_DAY": timedelta(days=1)}
    exec(f"def standing(fact, as_of, since=None):\n    return {_py(e)}\n", scope)
    function: Callable[..., Any] = scope["standing"]
    return function


# ---------------------------------------------------------------------------------------
# As SQL


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Sql:
    """An expression as SQL (see :func:`sql`)."""

    def __init__(self, columns: Mapping[str, str], days: Mapping[type[Expr], str]) -> None:
        self.columns, self.days = columns, days

    def value(self, x: Expr) -> str:
        if isinstance(x, Field):
            return self.columns[x.name]
        if type(x) in self.days:
            return self.days[type(x)]
        if isinstance(x, Const):
            return str(int(x.value))
        if isinstance(x, If):
            then, otherwise = self.value(x.then), self.value(x.otherwise)
            return f"(CASE WHEN {self.test(x.test)} THEN {then} ELSE {otherwise} END)"
        if isinstance(x, FirstOf):
            return "COALESCE(" + ", ".join(self.value(p) for p in x.parts) + ")"
        return self.test(x)

    def test(self, x: Expr) -> str:
        if isinstance(x, Missing):
            return f"({self.value(x.value)} IS NULL)"
        if isinstance(x, OneOf):
            options = ", ".join(_quote(o) for o in sorted(x.options))
            return f"COALESCE({self.value(x.value)} IN ({options}), FALSE)"
        if isinstance(x, Compare):
            return f"COALESCE({self.value(x.left)} {x.op} {self.value(x.right)}, FALSE)"
        if isinstance(x, All):
            return "(" + " AND ".join(self.test(p) for p in x.parts) + ")"
        if isinstance(x, AnyOf):
            return "(" + " OR ".join(self.test(p) for p in x.parts) + ")"
        if isinstance(x, Not):
            return f"(NOT {self.test(x.test)})"
        raise TypeError(f"not a test: {x!r}")


def sql(
    e: Expr, columns: Mapping[str, str], as_of: str, since: str = "NULL", next_day: str = "NULL"
) -> str:
    """``e`` as a SQL expression over the columns named in ``columns`` (field name to
    column), with ``as_of`` the date's SQL literal (``since`` a window's first day's,
    ``next_day`` the day after the date's). Tests are TRUE or FALSE, never NULL."""
    return _Sql(columns, {AsOf: as_of, Since: since, NextDay: next_day}).value(e)


def rank_sql(status: str, standing: str) -> str:
    """:data:`CONDITION_RANK` for ``status`` as SQL over the standing's SQL."""
    whens = " ".join(f"WHEN {k} THEN {v}" for k, v in sorted(CONDITION_RANK[status].items()))
    return f"(CASE {standing} {whens} END)"
