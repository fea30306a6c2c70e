"""Messages for users that can be shown in their language.

A :class:`Message` is a ``str`` whose value is the English text (``msgid % params``), so
logs, JSON errors and tests see plain English. It keeps its message id and parameters,
so an adapter that knows the reader's language (the web pages) can translate it with
the gettext catalogs (``spinecare.web.i18n.translate``). The library and the store raise
errors with Messages; they never depend on the web layer.
"""

from __future__ import annotations

from typing import Any


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogues; it is translated where shown."""
    return message


class Message(str):
    """An English message with its id and parameters kept for translation."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Message:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self
