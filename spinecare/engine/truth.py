"""Three-valued (Kleene) logic: TRUE, FALSE and UNKNOWN. Nothing else lives here.

UNKNOWN means "the data needed to decide is absent or stale". Kleene's strong logic:

- ``not UNKNOWN`` is UNKNOWN;
- ``FALSE and x`` is FALSE, ``TRUE and x`` is x;
- ``TRUE or x`` is TRUE, ``FALSE or x`` is x.

These are exactly SQL's rules for NULL, which is why the bulk engine can compile rules
to SQL with NULL as UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Truth(Enum):
    FALSE = 0
    UNKNOWN = 1
    TRUE = 2

    # ``_value_`` is the member's plain attribute (``value`` is a slower descriptor)
    def __invert__(self) -> Truth:
        return BY_RANK[2 - self._value_]

    def __and__(self, other: Truth) -> Truth:
        return self if self._value_ <= other._value_ else other

    def __or__(self, other: Truth) -> Truth:
        return self if self._value_ >= other._value_ else other

    def __bool__(self) -> bool:
        raise TypeError("a Truth is three-valued: compare with Truth.TRUE explicitly")

    @classmethod
    def of(cls, value: bool | None) -> Truth:
        """TRUE / FALSE from a bool, UNKNOWN from None."""
        if value is None:
            return cls.UNKNOWN
        return cls.TRUE if value else cls.FALSE

    def to_optional(self) -> bool | None:
        """The JSON form: true, false or null."""
        return None if self is Truth.UNKNOWN else self is Truth.TRUE


TRUE = Truth.TRUE
FALSE = Truth.FALSE
UNKNOWN = Truth.UNKNOWN
BY_RANK = (FALSE, UNKNOWN, TRUE)
"""The Truth of a rank: 0 FALSE, 1 UNKNOWN, 2 TRUE (the compiled rules compute ranks:
AND is the least, OR the greatest, NOT is 2 minus it)."""


def all_of(values: Iterable[Truth]) -> Truth:
    """Kleene conjunction of any number of values (TRUE for none)."""
    result = TRUE
    for value in values:
        result = result & value
        if result is FALSE:
            return FALSE
    return result


def any_of(values: Iterable[Truth]) -> Truth:
    """Kleene disjunction of any number of values (FALSE for none)."""
    result = FALSE
    for value in values:
        result = result | value
        if result is TRUE:
            return TRUE
    return result
