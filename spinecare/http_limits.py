"""What the HTTP server refuses before a request reaches the app: a request line and
headers larger than a limit, or slower to arrive than a deadline.

uvicorn's fast HTTP parser (httptools, which ``uvicorn[standard]`` installs) reads a
request's line and headers whatever their size: a client could send hundreds of
megabytes of cookie on each of many connections, held in memory until the headers end.
The app's body limit (413) cannot help, since the app sees a request only once its
headers are complete. :func:`head_limited_protocol` is uvicorn's httptools protocol that
counts the bytes of a request's line and headers as they arrive and, past the limit,
answers the refusal it is given (431) and closes the connection. A head the parser cannot
read at all (a control character in a header, a request line not percent-encoded, two
lengths) is answered with the same refusal's 400, not uvicorn's plain text.

uvicorn closes a connection left idle after an answer (its keep-alive timeout), but not
one that trickles a request's head a byte at a time, nor one opened and never written to:
a few hundred such connections would take every one the server can hold. The protocol
also gives each request's line and headers a deadline, counted from the connection's
start or a later request's first byte: a head still unfinished then is answered with the
refusal it is given (408) and the connection closed; a connection that sent nothing is
closed without an answer. Without httptools, uvicorn's other parser (h11) is given the
same size limit (its own refusal is a plain 400) and no deadline.
"""

from __future__ import annotations

from asyncio import TimerHandle
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

__all__ = ["Refusal", "server_options"]

Refusal = Callable[[int, str, str | None], tuple[list[tuple[bytes, bytes]], bytes]]
"""The answer to a request whose head is refused, from the status (431: over the size
limit; 408: past the deadline; 400: not valid HTTP, such as a control character in a
header), its path and its ``Accept-Language`` header (when it came before): headers and
body."""


class _HeadDeadline:
    """The deadline of a request's line and headers, for an asyncio HTTP protocol whose
    parser calls :meth:`on_message_begin` and :meth:`on_headers_complete` (a request's
    first byte, its head's end) and which answers a refusal with ``_refuse(status)``."""

    loop: Any
    transport: Any
    head_seconds = 30.0
    in_head = True
    deadline: TimerHandle | None = None
    asked = False  # a request's first byte has come

    def _refuse(self, status: int) -> None:
        raise NotImplementedError

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._start_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        super().connection_lost(exc)  # type: ignore[misc]

    def _start_deadline(self) -> None:
        if self.deadline is None:
            self.deadline = self.loop.call_later(self.head_seconds, self._late)

    def _stop_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _late(self) -> None:
        self.deadline = None
        if not self.in_head or self.transport.is_closing():
            return
        if self.asked:
            self._refuse(408)
        else:
            self.transport.close()  # nothing asked: nothing to answer

    def on_message_begin(self) -> None:
        # the deadline runs from the connection's start, or from a later request's first
        # byte (between requests, uvicorn's keep-alive timeout closes an idle connection)
        super().on_message_begin()  # type: ignore[misc]
        self.in_head, self.asked = True, True
        self._start_deadline()

    def on_headers_complete(self) -> None:
        self.in_head = False
        self._stop_deadline()
        super().on_headers_complete()  # type: ignore[misc]


def head_limited_protocol(limit: int, seconds: float, refusal: Refusal) -> type[Any] | None:
    """uvicorn's httptools protocol, refusing a request line and headers over ``limit``
    bytes or unfinished ``seconds`` after the connection's start or the request's first byte;
    None when httptools is not installed."""
    try:
        from httptools import HttpParserError
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return None

    class HeadLimitedProtocol(_HeadDeadline, HttpToolsProtocol):  # type: ignore[misc]
        head_bytes = 0
        head_seconds = seconds

        began = False

        def data_received(self, data: bytes) -> None:
            self.began = False
            counted = self.in_head
            super().data_received(data)
            # the chunk that ends the head may carry body bytes: only a head still
            # unfinished is over the limit (at most one read past it is held); a chunk in
            # which a request began counts whole (its head may be all of it)
            if self.began:
                self.head_bytes = len(data)
            elif counted:
                self.head_bytes += len(data)
            if self.in_head and self.head_bytes > limit and not self.transport.is_closing():
                self._refuse(431)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.head_bytes = 0
            self.began = True
            self.head_refused = False

        def on_headers_complete(self) -> None:
            # a head that ended within the reads counted above (all of it in one read,
            # say) is measured by what was parsed: its line and every header
            parsed = len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers)
            if parsed > limit:
                self.head_refused = True
                # the parser stops here; uvicorn answers a parser's error with
                # send_400_response, which answers this one with the refusal
                raise HttpParserError("the request's head is over the limit")
            super().on_headers_complete()

        def send_400_response(self, msg: str) -> None:
            # uvicorn's answer to a parser's error: its own plain text, without the
            # headers every answer carries; a head that cannot be read is refused here
            # in the one error shape, and so is a body that cannot be (a chunk's size
            # that is no number) while the app has not begun its answer (the app, reading
            # on, finds the connection closed); once it has, uvicorn's own words are all
            # that can still be sent
            cycle = getattr(self, "cycle", None)
            if getattr(self, "head_refused", False):
                self._refuse(431)
            elif self.in_head or cycle is None or not cycle.response_started:
                self._refuse(400)
            else:
                super().send_400_response(msg)

        def _refuse(self, status: int) -> None:
            url: bytes = getattr(self, "url", None) or b"/"
            path = url.split(b"?", 1)[0].decode("latin-1")
            language = next(
                (v.decode("latin-1") for n, v in self.headers or [] if n == b"accept-language"),
                None,
            )
            headers, body = refusal(status, path, language)
            phrase = HTTPStatus(status).phrase.encode()
            content = [b"HTTP/1.1 %d %s\r\n" % (status, phrase)]
            for name, value in [*self.server_state.default_headers, *headers]:
                content.extend([name, b": ", value, b"\r\n"])
            content.extend([b"connection: close\r\n\r\n", body])
            self._stop_deadline()
            self.transport.write(b"".join(content))
            self.transport.close()

    return HeadLimitedProtocol


def server_options(limit: int, seconds: float, refusal: Refusal) -> dict[str, Any]:
    """uvicorn's options that refuse a request line and headers over ``limit`` bytes or
    slower than ``seconds``."""
    protocol = head_limited_protocol(limit, seconds, refusal)
    if protocol is None:
        return {"http": "h11", "h11_max_incomplete_event_size": limit}
    return {"http": protocol}


HEAD_SCOPE_KEY = "spinecare.head"
"""The ASGI scope's mark of a HEAD answered as a GET (``spinecare.api.cds_app.HeadAsGet``):
such a request is nobody's use of a page (``spinecare.web.deps.optional_user``)."""
