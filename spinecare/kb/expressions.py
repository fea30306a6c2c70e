"""The rule language: a tagged union of small expression types.

A rule's ``when`` is one expression. Each type is one class; its docstring is the format
reference (``docs/kb-authoring.md`` is generated from these docstrings and checked by a
test). Leaves read the record; combinators apply three-valued logic.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag

from spinecare.kb.strict import Strict


class HasCondition(Strict):
    """``{condition: CONCEPT, set: NAME, status: in_force|ever|past, zone: ZONE,
    within_days: THRESHOLD}``

    TRUE when the problem list holds a condition coded in the concept's code set (all
    its codes, or only those tagged ``set``) or named by concept id in an intake file.
    Closed world: a condition not recorded is absent, so this is never UNKNOWN for want of
    a record (a mention to confirm, or an undated one ``within_days``, may be).
    ``status``: ``in_force`` (default; DESIGN.md section 3), ``ever`` (recorded at any
    time and not refuted), ``past`` (ever, but not in force now). ``zone`` keeps only
    conditions whose code or body site maps to that zone (or has no site at all).
    ``within_days`` keeps only conditions that began within the threshold's number of days
    before the screening date (an event: a fall); one with no date is UNKNOWN at most.
    """

    condition: str
    set: str | None = None
    status: Literal["in_force", "ever", "past"] = "in_force"
    zone: str | None = None
    within_days: str | None = None


class HasMedication(Strict):
    """``{medication: CONCEPT}``

    TRUE when a medication in force on the screening date is coded in the concept's code
    set (RxNorm) or named by concept id. Closed world: never UNKNOWN.
    """

    medication: str


class HadProcedure(Strict):
    """``{procedure: CONCEPT, within_days: THRESHOLD}``

    TRUE when a completed procedure coded in the concept's code set was performed within
    the threshold's number of days before the screening date. Closed world.
    """

    procedure: str
    within_days: str


class Compare(Strict):
    """``{measure: MEASURE, op: '>=', threshold: THRESHOLD}``

    Compares the latest value of a measure within its freshness window with a KB
    threshold. No value in the window: UNKNOWN (or FALSE when the measure's
    ``when_missing`` is ``absent``). ``op`` is one of ``>=``, ``>``, ``<=``, ``<``.
    """

    measure: str
    op: Literal[">=", ">", "<=", "<"]
    threshold: str


class AgeUnder(Strict):
    """``{age_under: THRESHOLD}``

    TRUE when the patient is younger than the threshold's number of years on the
    screening date. A record without a birth date: FALSE (closed world: age is never
    among the data whose absence raises ``needs_data``).
    """

    age_under: str


class Answered(Strict):
    """``{answer: QUESTION, equals: VALUE}``

    TRUE when the latest answer to an intake question within its freshness window
    equals ``equals`` (default ``true``), FALSE when it differs. Unanswered: UNKNOWN, or
    FALSE when the question's ``when_missing`` is ``absent``.
    """

    answer: str
    equals: bool | str = True


class AllOf(Strict):
    """``{all: [EXPR, ...]}``: Kleene AND (FALSE wins, then UNKNOWN)."""

    all: list[Expression] = Field(min_length=1)


class AnyOf(Strict):
    """``{any: [EXPR, ...]}``: Kleene OR (TRUE wins, then UNKNOWN)."""

    any: list[Expression] = Field(min_length=1)


class Either(Strict):
    """``{either: [EXPR, ...]}``: alternative sources for one fact.

    TRUE when any is TRUE; FALSE when none is TRUE and at least one is known (FALSE);
    UNKNOWN only when all are UNKNOWN. Used where one source suffices, for instance a
    measured temperature or the patient's answer on fever today.
    """

    either: list[Expression] = Field(min_length=2)


class NotExpr(Strict):
    """``{not: EXPR}``: Kleene NOT (UNKNOWN stays UNKNOWN)."""

    not_: Expression = Field(alias="not")


def _expression_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in TAGS:
            if key in value:
                return key
        return None
    for key, cls in EXPRESSION_TYPES.items():
        if isinstance(value, cls):
            return key
    return None


EXPRESSION_TYPES: dict[str, type[Strict]] = {
    "condition": HasCondition,
    "medication": HasMedication,
    "procedure": HadProcedure,
    "measure": Compare,
    "answer": Answered,
    "age_under": AgeUnder,
    "all": AllOf,
    "any": AnyOf,
    "either": Either,
    "not": NotExpr,
}
TAGS = tuple(EXPRESSION_TYPES)

Expression = Annotated[
    Annotated[HasCondition, Tag("condition")]
    | Annotated[HasMedication, Tag("medication")]
    | Annotated[HadProcedure, Tag("procedure")]
    | Annotated[Compare, Tag("measure")]
    | Annotated[Answered, Tag("answer")]
    | Annotated[AgeUnder, Tag("age_under")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Either, Tag("either")]
    | Annotated[NotExpr, Tag("not")],
    Discriminator(
        _expression_tag,
        custom_error_type="unknown_expression",
        custom_error_message="not a rule expression; use one of: " + ", ".join(TAGS),
    ),
]


def walk(expr: Strict) -> list[Strict]:
    """Every node of an expression tree, depth first."""
    nodes: list[Strict] = [expr]
    if isinstance(expr, AllOf):
        children: list[Any] = expr.all
    elif isinstance(expr, AnyOf):
        children = expr.any
    elif isinstance(expr, Either):
        children = expr.either
    elif isinstance(expr, NotExpr):
        children = [expr.not_]
    else:
        children = []
    for child in children:
        nodes.extend(walk(child))
    return nodes
