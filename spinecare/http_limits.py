"""What the HTTP server refuses before a request reaches the app: a request line and
headers larger than a limit.

uvicorn's fast HTTP parser (httptools, which ``uvicorn[standard]`` installs) reads a
request's line and headers whatever their size: a client could send hundreds of
megabytes of cookie on each of many connections, held in memory until the headers end.
The app's body limit (413) cannot help, since the app sees a request only once its
headers are complete. :func:`head_limited_protocol` is uvicorn's httptools protocol that
counts the bytes of a request's line and headers as they arrive and, past the limit,
answers the refusal it is given (431) and closes the connection. Without httptools,
uvicorn's other parser (h11) is given the same limit (its own refusal is a plain 400).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Refusal", "server_options"]

Refusal = Callable[[str, str | None], tuple[list[tuple[bytes, bytes]], bytes]]
"""The answer to a request whose head is over the limit, from its path and its
``Accept-Language`` header (when it came before the limit): headers and body."""

STATUS_LINE = b"HTTP/1.1 431 Request Header Fields Too Large\r\n"


def head_limited_protocol(limit: int, refusal: Refusal) -> type[Any] | None:
    """uvicorn's httptools protocol, refusing a request line and headers over ``limit``
    bytes; None when httptools is not installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return None

    class HeadLimitedProtocol(HttpToolsProtocol):  # type: ignore[misc]
        head_bytes = 0
        in_head = True

        def data_received(self, data: bytes) -> None:
            if self.in_head:
                self.head_bytes += len(data)
            super().data_received(data)
            # the chunk that ends the head may carry body bytes: only a head still
            # unfinished is over the limit (at most one read past it is held)
            if self.in_head and self.head_bytes > limit and not self.transport.is_closing():
                self._refuse()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.in_head, self.head_bytes = True, 0

        def on_headers_complete(self) -> None:
            self.in_head = False
            super().on_headers_complete()

        def _refuse(self) -> None:
            url: bytes = getattr(self, "url", None) or b"/"
            path = url.split(b"?", 1)[0].decode("latin-1")
            language = next(
                (v.decode("latin-1") for n, v in self.headers or [] if n == b"accept-language"),
                None,
            )
            headers, body = refusal(path, language)
            content = [STATUS_LINE]
            for name, value in [*self.server_state.default_headers, *headers]:
                content.extend([name, b": ", value, b"\r\n"])
            content.extend([b"connection: close\r\n\r\n", body])
            self.transport.write(b"".join(content))
            self.transport.close()

    return HeadLimitedProtocol


def server_options(limit: int, refusal: Refusal) -> dict[str, Any]:
    """uvicorn's options that refuse a request line and headers over ``limit`` bytes."""
    protocol = head_limited_protocol(limit, refusal)
    if protocol is None:
        return {"http": "h11", "h11_max_incomplete_event_size": limit}
    return {"http": protocol}
