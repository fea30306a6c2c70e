"""An id in a path is plain digits: ``/api/patients/1.0``, ``/0_1``, ``/+1`` and ``/%201``
opened patient 1 (the number reader takes each for 1), so one record had many addresses.
Now each is refused, naming the id, in the one error shape, on pages and the API alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import JSON, World

NOT_PLAIN = ["1.0", "0_1", "+1", "%201", "1%20", "1%0A", "%D9%A1", "1e0", "-1", "0x1", "01", "0001"]


@pytest.mark.parametrize("wrong", NOT_PLAIN)
@pytest.mark.parametrize(
    "path",
    ["/api/patients/{}", "/api/patients/{}/screening", "/patients/{}", "/patients/{}/edit"],
)
def test_an_id_that_is_not_plain_digits_is_refused(
    signed_in: Callable[[str], TestClient], path: str, wrong: str
) -> None:
    therapist = signed_in("therapist")
    assert therapist.get(path.format(1), headers=JSON).status_code == 200
    answer = therapist.get(path.format(wrong), headers=JSON)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"] == [{"field": "patient_id", "message": "must be a whole number"}]


def test_a_page_with_such_an_id_says_so_in_the_readers_words(
    signed_in: Callable[[str], TestClient],
) -> None:
    therapist = signed_in("therapist")
    answer = therapist.get("/patients/1.0", headers={"accept": "text/html"})
    # as for /patients/abc: there is no page at that address (and no form to correct)
    assert answer.status_code == 404
    assert "no page at this address" in answer.text and "Traceback" not in answer.text
    assert "Елена Соколова" not in answer.text  # patient 1 is not shown


def test_an_id_that_is_not_plain_digits_opens_no_course(world: World) -> None:
    """Every route reading an id from its path, not only the patient's."""
    client = world.client()
    answer = client.get("/courses/1.0", headers=JSON)
    assert answer.status_code == 422
    assert answer.json()["error"]["details"][0]["field"] == "course_id"


@pytest.mark.parametrize("wrong", ["1.0", "+1", "0_1", "%201", "01"])
@pytest.mark.parametrize("name", ["limit", "offset"])
def test_a_whole_number_in_a_query_is_written_one_way(
    signed_in: Callable[[str], TestClient], name: str, wrong: str
) -> None:
    """``limit=1.0``, ``+1``, ``0_1`` were read as 1 where the path refused them."""
    therapist = signed_in("therapist")
    assert therapist.get(f"/api/patients?{name}=1", headers=JSON).status_code == 200
    answer = therapist.get(f"/api/patients?{name}={wrong}", headers=JSON)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["field"] == name
