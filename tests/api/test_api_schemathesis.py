"""Property-based API testing against /openapi.json of the CDS app: never a 5xx.

One test per API operation, named by it (``[POST /api/screen]``): the test workers share
out files by test id (``--dist loadfile``), so each operation's test has an id of its own.
"""

from __future__ import annotations

import pytest
import schemathesis
from conftest import make_client
from hypothesis import HealthCheck, given, settings

# schemathesis sends its requests to the host "testserver"
_client = make_client(cds_jwt_required=False, max_body_bytes=200_000, allowed_hosts=["testserver"])
schema = schemathesis.openapi.from_asgi("/openapi.json", _client.app)
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_server_errors(operation):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    def check(case):
        response = case.call()
        assert response.status_code < 500, (case, response.text[:300])

    check()
