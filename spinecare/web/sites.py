"""Requests another site makes a signed-in browser send.

A page of another site (or of another host of the hospital's domain, which browsers count
as the same *site*) can make a clinician's browser send requests to spinecare: an image,
a script, a frame, a ``fetch`` in ``no-cors`` mode, a link. Such a request carries the
login cookie where the browser sends it (``SameSite=Lax``: every request from a page of
the same site, and a top-level navigation from any; a SMART launch's login, made for the
EHR's frame, from the EHR's pages). The attacker reads no answer, but the request is made:
a read is recorded in the audit log under the clinician's name, and a read that does
something (the audit log's export) is done.

:func:`refuse_cross_site` (a dependency of every route of the app) refuses, with the login
cookie, 403 in the one error shape (``cross_site``; recorded as any refused request):

- on the REST API (``/api/``), any request the browser says came from another site's
  page (``Sec-Fetch-Site`` other than ``same-origin`` or ``none``, a link followed
  included), or whose ``Origin`` is another site's. A client that says neither (a
  program, an older browser) shows it is no other site's page by what a page cannot
  send without the server's leave: a personal API token (``Authorization: Bearer``, which
  then decides who calls, never the cookie) or the ``X-Requested-With`` header;
- on a page, a request from another site's page that is no navigation (an image, a
  script, a ``fetch``), its JSON twin read from there, a frame of another site's page
  unless the login was started by a launch from that EHR (whose pages may frame it), and
  a link from there to the audit log's export. A link or a bookmark to a page still opens
  it, signed in (an EHR's, an e-mail's).

A form sent from another site's page is refused by its own check
(:func:`spinecare.web.deps.check_csrf`). CDS Hooks and the FHIR API read no login cookie
(an EHR calls them with its own bearer JWT), nor do the SMART launch's two addresses,
which an EHR opens.
"""

from __future__ import annotations

from fastapi import Request

from spinecare.clinic.accounts import SESSION_COOKIE, sent_cookie
from spinecare.messages import Message
from spinecare.web.deps import SENT_FROM_OWN_PAGE, CsrfError, origin_is_own, state, wants_json

__all__ = ["CrossSiteRequest", "refuse_cross_site"]

CROSS_SITE = Message(
    "this request came from a page of another site and is refused; open spinecare itself "
    "and go on there"
)
SAY_WHO_SENT = Message(
    "a request with the login cookie must show it comes from spinecare's own pages: a "
    "program sends 'Authorization: Bearer <token>' with a personal API token, or the "
    "header 'X-Requested-With' with the cookie"
)
EXPLICIT_HEADER = "x-requested-with"
"""What a program using the login cookie on the REST API sends (any value): a page of
another site cannot send it without the server's leave (a CORS preflight spinecare does
not grant)."""
NOT_CHECKED = ("/cds-services", "/fhir/", "/launch", "/static/")
"""Paths that read no login cookie, or that an EHR opens (the SMART launch)."""
NOT_FROM_ELSEWHERE = ("/audit/export.csv",)
"""Pages a link from another site does not open: a read that does something."""
FRAMES = ("iframe", "frame")
SAFE = ("GET", "HEAD")


class CrossSiteRequest(CsrfError):
    """A request with the login cookie that another site's page made the browser send."""

    code = "cross_site"


def _api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


async def refuse_cross_site(request: Request) -> None:
    """Refuse (:class:`CrossSiteRequest`, 403) a request with the login cookie that another
    site's page made the browser send, as the module says. It reads headers and cookies
    only: on the event loop, never a worker thread."""
    path = request.url.path
    if path.startswith(NOT_CHECKED) or not sent_cookie(request, SESSION_COOKIE):
        return
    api = _api(path)
    if api and "authorization" in request.headers:
        return  # the bearer token says who calls; the cookie is not read
    site = request.headers.get("sec-fetch-site")
    if site is None:
        if not api:
            return  # an older browser: its forms are checked by their token and Origin
        origin = request.headers.get("origin")
        if origin is not None and origin_is_own(request, origin):
            return
        if origin is not None and state(request).settings.base_url_configured:
            raise CrossSiteRequest(CROSS_SITE)
        if not request.headers.get(EXPLICIT_HEADER, "").strip():
            raise CrossSiteRequest(SAY_WHO_SENT)
        return
    if site.strip().lower() in SENT_FROM_OWN_PAGE:
        return
    if api:
        raise CrossSiteRequest(CROSS_SITE)
    if request.method not in SAFE:
        return  # a form: refused by its own check, which says so
    if _opens_here(request):
        return
    raise CrossSiteRequest(CROSS_SITE)


def _opens_here(request: Request) -> bool:
    """A navigation from another site that opens a page: a link (a top-level document)
    to a page, not to its JSON twin nor to :data:`NOT_FROM_ELSEWHERE`; or the EHR's frame
    of a login its launch started."""
    if request.headers.get("sec-fetch-mode", "").strip().lower() != "navigate":
        return False
    if wants_json(request) or request.url.path in NOT_FROM_ELSEWHERE:
        return False
    dest = request.headers.get("sec-fetch-dest", "").strip().lower()
    if dest == "document":
        return True
    if dest in FRAMES:
        from spinecare.web.smart import frame_origins

        return bool(frame_origins(request))
    return False
