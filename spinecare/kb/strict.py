"""The strict base model of every KB file: unknown keys are errors naming the allowed ones."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from spinecare.messages import Message

_ALLOWED: dict[type, frozenset[str]] = {}
"""The keys each model accepts (field names or their aliases), worked out once per model."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = _ALLOWED.get(cls)
            if allowed is None:
                allowed = frozenset(field.alias or name for name, field in cls.model_fields.items())
                _ALLOWED[cls] = allowed
            if data.keys() <= allowed:
                return data
            unknown = sorted(str(key) for key in data if key not in allowed)
            keys, known = ", ".join(unknown), ", ".join(sorted(allowed))
            raise ValueError(
                Message("unknown keys %(keys)s; allowed: %(allowed)s", keys=keys, allowed=known)
                if len(unknown) > 1
                else Message("unknown key %(keys)s; allowed: %(allowed)s", keys=keys, allowed=known)
            )
        return data
