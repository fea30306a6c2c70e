"""The clinic's use cases over the store: who may see and change what (permissions),
what is recorded (audit), what input is accepted (limits).

The adapters (the web pages, ``/api/``, the CLI) import the clinic, never the store: the
errors a use case raises are named here too."""

from spinecare.store.errors import AccessDenied, FormError, TooManyRequests, VersionConflict

__all__ = ["AccessDenied", "FormError", "TooManyRequests", "VersionConflict"]
