"""The one error vocabulary of spinecare.

Every error a user can cause derives from :class:`SpinecareError`; adapters turn it
into exit code 1 (CLI) or one JSON error envelope (API). Anything else is a bug.

::

    SpinecareError
    ├── InputError            unreadable or invalid input (names the file and the problem)
    │   ├── RecordError       a patient record that cannot be read (FHIR Bundle, intake file)
    │   └── UnitError         a measurement in a unit that cannot be converted
    ├── KnowledgeBaseError    the knowledge base does not validate (carries every problem)
    └── NotFoundError         a named thing (patient, user, concept) does not exist
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spinecare.messages import N_, Message

IN_FILE = N_("%(file)s: %(problem)s")
"""A problem with a file (or a request body), the file named first."""


class SpinecareError(Exception):
    """Base of every error a user can cause."""

    code: str = "error"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def one_line(self) -> str:
        """The message for a terminal: the file (if any), then the problem, on one line.

        A :class:`~spinecare.messages.Message` stays one (its English value is the line),
        so an adapter shows it in the reader's language (``spinecare.i18n.translate``)."""
        if isinstance(self.message, Message):
            return (
                Message(IN_FILE, file=self.source, problem=self.message)
                if self.source
                else self.message
            )
        text = " ".join(self.message.split())
        return f"{self.source}: {text}" if self.source else text


class InputError(SpinecareError):
    """Input that cannot be read or is invalid."""

    code = "invalid_input"


class RecordError(InputError):
    """A patient record (FHIR Bundle or intake file) that cannot be read."""

    code = "invalid_record"


class TooMuchText(RecordError):
    """A record posted without signing in that holds more words than such a screening
    reads (:data:`spinecare.core.RECORD_TEXT_CHARS`)."""

    code = "too_much_text"


class UnitError(RecordError):
    """A measurement in a unit the engine cannot convert."""

    code = "unknown_unit"


class NotFoundError(SpinecareError):
    code = "not_found"


@dataclass(frozen=True)
class Problem:
    """One problem found in the knowledge base, with its breadcrumb path."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


KB_PROBLEMS = N_("problems in the knowledge base: %(n)s")
KB_FIRST_PROBLEM = N_("%(summary)s; first: %(first)s")
KB_UNAVAILABLE = N_(
    "screening is not available now: the server cannot read its clinical rules; the "
    "server's log says why (tell whoever runs it)"
)
"""What a page or an answer of the server says when the knowledge base cannot be loaded
(503): its problems name the KB's files, which only the server's log says."""


@dataclass
class KnowledgeBaseError(SpinecareError):
    """The knowledge base does not validate; ``problems`` lists every problem at once."""

    problems: list[Problem] = field(default_factory=list)

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        summary = Message(KB_PROBLEMS, n=len(problems))
        if problems:
            summary = Message(KB_FIRST_PROBLEM, summary=summary, first=str(problems[0]))
        super().__init__(summary)

    code = "invalid_kb"  # type: ignore[misc]


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    431: "request_header_fields_too_large",
    500: "internal_error",
    503: "unavailable",
}


def envelope(
    status: int, message: str, code: str | None = None, details: list[Any] | None = None
) -> dict[str, Any]:
    """The one JSON error envelope of the app (docs/api.md): ``{"error": {"status", "code",
    "message", "details"}}``, ``code`` by default the status's."""
    body: dict[str, Any] = {
        "status": status,
        "code": code or STATUS_CODES.get(status, "error"),
        "message": message,
    }
    if details:
        body["details"] = details
    return {"error": body}
