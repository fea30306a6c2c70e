"""Property-based API testing against /openapi.json of the CDS app: never a 5xx."""

from __future__ import annotations

import schemathesis
from conftest import make_client
from hypothesis import HealthCheck, settings

_client = make_client(cds_jwt_required=False, max_body_bytes=200_000)
schema = schemathesis.openapi.from_asgi("/openapi.json", _client.app)


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call()
    assert response.status_code < 500, (case, response.text[:300])
