"""The full truth table of Kleene's three-valued logic."""

from __future__ import annotations

import itertools

import pytest

from spinecare.engine.truth import FALSE, TRUE, UNKNOWN, Truth, all_of, any_of

T, F, U = TRUE, FALSE, UNKNOWN

AND = {
    (T, T): T,
    (T, U): U,
    (T, F): F,
    (U, T): U,
    (U, U): U,
    (U, F): F,
    (F, T): F,
    (F, U): F,
    (F, F): F,
}
OR = {
    (T, T): T,
    (T, U): T,
    (T, F): T,
    (U, T): T,
    (U, U): U,
    (U, F): U,
    (F, T): T,
    (F, U): U,
    (F, F): F,
}
NOT = {T: F, U: U, F: T}


@pytest.mark.parametrize(("a", "b"), list(AND))
def test_and_truth_table(a: Truth, b: Truth) -> None:
    assert a & b is AND[(a, b)]


@pytest.mark.parametrize(("a", "b"), list(OR))
def test_or_truth_table(a: Truth, b: Truth) -> None:
    assert a | b is OR[(a, b)]


@pytest.mark.parametrize("a", list(NOT))
def test_not_truth_table(a: Truth) -> None:
    assert ~a is NOT[a]


def test_folds_agree_with_binary_operators() -> None:
    for values in itertools.product([T, F, U], repeat=3):
        assert all_of(values) is (values[0] & values[1] & values[2])
        assert any_of(values) is (values[0] | values[1] | values[2])


def test_empty_folds_are_identity_elements() -> None:
    assert all_of([]) is T
    assert any_of([]) is F


def test_truth_refuses_to_be_used_as_a_bool() -> None:
    with pytest.raises(TypeError):
        bool(U)


def test_json_form_and_back() -> None:
    assert [Truth.of(x) for x in (True, False, None)] == [T, F, U]
    assert [x.to_optional() for x in (T, F, U)] == [True, False, None]


def test_de_morgan_holds_in_three_valued_logic() -> None:
    for a, b in itertools.product([T, F, U], repeat=2):
        assert ~(a & b) is (~a | ~b)
        assert ~(a | b) is (~a & ~b)
