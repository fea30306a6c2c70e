"""No store row crosses the clinic layer's boundary: every clinic function the adapters
(the web pages, ``/api/``, the CLI) call declares what it takes and returns, and no part
of that (a list's items, a tuple's parts, a dataclass's or a model's fields) is an ORM
class of :mod:`spinecare.store.models`. The acting user too is a model
(:class:`~spinecare.clinic.models.CurrentUser`): the adapters get it once per request
(from the login cookie or an API token) and hand it back to the use cases, which read
the account again. The web tests check the same at run time on every page
(``tests/web/conftest.py``)."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import spinecare
from spinecare.store.models import Base, CourseRow, PatientRow

PACKAGE = Path(spinecare.__file__).parent
ADAPTERS = ("web", "api", "commands")


def _adapter_files() -> list[Path]:
    return sorted(p for name in ADAPTERS for p in (PACKAGE / name).rglob("*.py"))


def _clinic_names(path: Path) -> Iterator[tuple[str, str]]:
    """``(module, name)`` of every clinic object the adapter module ``path`` uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: dict[str, str] = {}  # a local name bound to a clinic module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("spinecare.clinic"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _is_module(full):
                    modules[alias.asname or alias.name] = full
                else:
                    yield node.module or "", alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("spinecare.clinic") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            yield modules[node.value.id], node.attr


def _is_module(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def _used() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in _adapter_files():
        for module, name in _clinic_names(path):
            obj = getattr(importlib.import_module(module), name)
            home = getattr(obj, "__module__", module)
            found[f"{home}.{getattr(obj, '__qualname__', name)}"] = obj
    return found


def _rows_in(tp: Any, seen: set[int]) -> list[str]:
    """The ORM classes ``tp`` holds, anywhere inside it."""
    if id(tp) in seen:
        return []
    seen.add(id(tp))
    if isinstance(tp, type):
        if issubclass(tp, Base):
            return [tp.__name__]
        if dataclasses.is_dataclass(tp):
            return [r for t in typing.get_type_hints(tp).values() for r in _rows_in(t, seen)]
        if issubclass(tp, BaseModel):
            return [r for f in tp.model_fields.values() for r in _rows_in(f.annotation, seen)]
    return [r for arg in typing.get_args(tp) for r in _rows_in(arg, seen)]


USED = _used()
FUNCTIONS = sorted(name for name, obj in USED.items() if inspect.isfunction(obj))


def test_the_adapters_use_the_clinic() -> None:
    """The scan finds what it should (a broken scan would check nothing)."""
    assert {
        "spinecare.clinic.patients.get_patient",
        "spinecare.clinic.courses.get_course",
        "spinecare.clinic.users.clinic_user",
        "spinecare.clinic.patients.screen_patient",
        "spinecare.clinic.accounts.user_for_token",
        "spinecare.clinic.logins.sign_in",
    } <= set(FUNCTIONS)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_no_store_row_leaves_the_clinic(name: str) -> None:
    hints = typing.get_type_hints(USED[name])
    assert "return" in hints, f"{name} does not say what it returns"
    assert _rows_in(hints["return"], set()) == [], f"{name} hands a store row to an adapter"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_no_store_row_enters_the_clinic(name: str) -> None:
    """What an adapter passes (the acting user included) is a model, never a row."""
    hints = typing.get_type_hints(USED[name])
    taken = [r for key, tp in hints.items() if key != "return" for r in _rows_in(tp, set())]
    assert taken == [], f"{name} takes a store row from an adapter"


def test_no_adapter_uses_an_orm_class() -> None:
    classes = {n for n, o in USED.items() if isinstance(o, type) and issubclass(o, Base)}
    assert classes == set()


@dataclasses.dataclass
class _Holder:
    rows: list[PatientRow]


class _Model(BaseModel):
    model_config = {"arbitrary_types_allowed": True}
    course: CourseRow | None


def test_the_check_sees_rows_inside_what_is_returned() -> None:
    assert _rows_in(tuple[int, _Holder], set()) == ["PatientRow"]
    assert _rows_in(dict[str, list[_Model]], set()) == ["CourseRow"]
    assert _rows_in(list[str], set()) == []
