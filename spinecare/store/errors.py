"""Errors of the store, in the one vocabulary of :mod:`spinecare.errors`.

::

    SpinecareError
    ├── NotFoundError        no such patient / request / user (or not visible: answered as 404)
    ├── AccessDenied         the user's role or clinic does not allow this (403)
    ├── VersionConflict      someone else saved first (409); nothing was overwritten
    ├── TooManyRequests      over a rate limit: try again in ``retry_after`` seconds (429)
    └── InputError
        └── FormError        field-by-field problems of a submitted form (422)
"""

from __future__ import annotations

from spinecare.errors import InputError, SpinecareError
from spinecare.messages import Message, located


class AccessDenied(SpinecareError):
    code = "forbidden"


class VersionConflict(SpinecareError):
    code = "conflict"


class TooManyRequests(SpinecareError):
    """Over a rate limit; the answer says when to try again (``Retry-After``)."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class FormError(InputError):
    """Problems of a form, one message per field name."""

    code = "invalid_input"

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        field, problem = next(iter(errors.items()), ("form", "invalid"))
        # the problem in the reader's language: a catalogue string (``N_``) is one too
        shown = problem if isinstance(problem, Message) else Message(str(problem))
        super().__init__(located(field, shown))
