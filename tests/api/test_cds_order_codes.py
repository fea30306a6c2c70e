"""order-select and order-sign screen a massage order however the EHR codes it: SNOMED CT,
CPT 97124 (massage) or 97140 (manual therapy techniques, screened as a manual-therapy order
is), another system whose words name massage, or words alone; any other order is silent."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import CONTRAINDICATED, massage_order

SIGN = "/cds-services/spinecare-order-sign"
CPT = "http://www.ama-assn.org/go/cpt"


def _sign(hook_request, code: dict[str, Any]) -> dict[str, Any]:
    body = hook_request("order-sign", CONTRAINDICATED, massage=False)
    order = massage_order(body["context"]["patientId"])
    order["code"] = code
    body["context"]["draftOrders"]["entry"].append({"resource": order})
    return body


@pytest.mark.parametrize(
    "code",
    [
        pytest.param({"coding": [{"system": CPT, "code": "97124"}]}, id="cpt-97124"),
        pytest.param({"coding": [{"system": CPT, "code": "97140"}]}, id="cpt-97140"),
        pytest.param(
            {
                "coding": [
                    {
                        "system": "urn:oid:1.2.643.5.1.13.13.11.1070",
                        "code": "A21.03.002",
                        "display": "Массаж при заболеваниях позвоночника",
                    }
                ]
            },
            id="words-of-another-system",
        ),
        pytest.param({"text": "Massage"}, id="text-en"),
        pytest.param({"text": "Массаж спины"}, id="text-ru"),
        pytest.param({"text": "Therapeutic massage, lumbar"}, id="text-lumbar"),
    ],
)
def test_a_massage_order_is_screened(client, hook_request, code: dict[str, Any]) -> None:
    response = client.post(SIGN, json=_sign(hook_request, code))
    assert response.status_code == 200, response.text[:300]
    (card,) = response.json()["cards"]
    assert card["indicator"] == "critical"


@pytest.mark.parametrize(
    "code",
    [
        pytest.param({"coding": [{"system": CPT, "code": "97110"}]}, id="exercise"),
        pytest.param({"text": "MRI lumbar spine"}, id="imaging"),
        pytest.param({"text": "No massage: physiotherapy exercises"}, id="negated"),
        pytest.param({"text": "MRI lumbar spine before manual therapy"}, id="mentions"),
        pytest.param({"text": "Carotid sinus massage"}, id="another-massage"),
        pytest.param({"text": "Hold massage"}, id="hold"),
        pytest.param({"text": "Neurology consult: clearance for massage"}, id="referral"),
    ],
)
def test_another_order_is_silent(client, hook_request, code: dict[str, Any]) -> None:
    response = client.post(SIGN, json=_sign(hook_request, code))
    assert response.status_code == 200, response.text[:300]
    assert response.json() == {"cards": []}


def test_removing_an_order_is_proposed_only_for_one_coded_as_massage(client, hook_request) -> None:
    """An order found by its words alone may be another ("Massage chair"): the card says what
    the screening found, and proposes removing only an order coded as massage."""
    words = client.post(SIGN, json=_sign(hook_request, {"text": "Massage chair"})).json()
    (card,) = words["cards"]
    assert card["indicator"] == "critical"
    assert not any(
        action["type"] == "delete"
        for suggestion in card.get("suggestions", [])
        for action in suggestion.get("actions", [])
    )
    coded = {"coding": [{"system": CPT, "code": "97124"}]}
    (card,) = client.post(SIGN, json=_sign(hook_request, coded)).json()["cards"]
    assert any(
        action["type"] == "delete"
        for suggestion in card.get("suggestions", [])
        for action in suggestion.get("actions", [])
    )
