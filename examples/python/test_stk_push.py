"""Token, a signed STK push, its callback, a failure on demand and network faults."""

import pytest
import requests

STK = "/v3-apis/payment-api/v3.0/stkussdpush/initiate"


def stk_body(sandbox, ref, sink):
    return {
        "merchant": {"accountNumber": "0170194290581", "countryCode": "KE", "name": "Sportify Ltd"},
        "payment": {
            "ref": ref, "amount": "5.00", "currency": "KES", "telco": "Equitel",
            "mobileNumber": "254764555291", "date": "2024-08-13", "pushType": "STK",
            "callBackUrl": f"{sandbox}/__sandbox/sink/{sink}",
        },
    }


def stk_canonical(body):
    """The STK push signs merchant.accountNumber+payment.ref+mobileNumber+telco+amount+currency, joined with nothing."""
    payment = body["payment"]
    fields = ["ref", "mobileNumber", "telco", "amount", "currency"]
    return body["merchant"]["accountNumber"] + "".join(payment[f] for f in fields)


def push(sandbox, token, sign, body, scenario=None, timeout=5):
    headers = {"Authorization": f"Bearer {token()}", "Signature": sign(stk_canonical(body))}
    if scenario:
        headers["X-Sandbox-Scenario"] = scenario
    return requests.post(sandbox + STK, json=body, headers=headers, timeout=timeout)


def callbacks(sandbox, sink, count=1):
    """The callbacks the sink received, once `count` are there (the sandbox answers as soon as they are)."""
    answer = requests.get(f"{sandbox}/__sandbox/sink/{sink}", params={"wait_ms": 5000, "count": count}, timeout=10)
    assert answer.headers["X-Sandbox-Wait"] == "satisfied", answer.text
    return [entry["body"] for entry in answer.json()]


def test_token_is_issued_for_the_default_merchant(token):
    assert token().count(".") == 2, "a v3 token is a JWT"


def test_a_bad_secret_gets_no_token(sandbox):
    answer = requests.post(
        f"{sandbox}/authentication/api/v3/authenticate/merchant",
        headers={"Api-Key": "SANDBOX-API-KEY"},
        json={"merchantCode": "9999999999", "consumerSecret": "wrong"},
        timeout=5,
    )
    assert answer.status_code == 401
    assert answer.json()["status"] is False


def test_signed_push_is_acknowledged_and_called_back(sandbox, token, sign):
    answer = push(sandbox, token, sign, stk_body(sandbox, "PYPUSH000001", "py-push"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["code"] == -1
    [callback] = callbacks(sandbox, "py-push")
    assert (callback["code"], callback["message"]) == (3, "Successful")


def test_a_wrong_signature_is_refused_and_explained(sandbox, token, sign):
    body = stk_body(sandbox, "PYBADSIG0001", "py-bad")
    signed_wrong = "0170194290581+PYBADSIG0001+254764555291+Equitel+5.00+KES"  # the + means "joined with nothing"
    headers = {"Authorization": f"Bearer {token()}", "Signature": sign(signed_wrong)}
    answer = requests.post(sandbox + STK, json=body, headers=headers, timeout=5)
    assert answer.status_code == 403, answer.text
    assert answer.headers["X-Sandbox-Signature-Expected"] == stk_canonical(body)


def test_insufficient_funds_on_demand_by_header(sandbox, token, sign):
    answer = push(sandbox, token, sign, stk_body(sandbox, "PYNOFUNDS001", "py-funds"), "insufficient-funds")
    assert answer.status_code == 200
    assert answer.headers["X-Sandbox-Scenario"] == "insufficient-funds"
    [callback] = callbacks(sandbox, "py-funds")
    assert (callback["code"], callback["message"]) == (1, "InsufficientFund")


def test_insufficient_funds_armed_for_the_next_push_only(sandbox, token, sign):
    arm = {"scenario": "insufficient-funds", "operation": "stk_push", "times": 1}
    requests.post(f"{sandbox}/__sandbox/scenarios/arm", json=arm, timeout=5).raise_for_status()
    for ref in ["PYARMED00001", "PYARMED00002"]:
        assert push(sandbox, token, sign, stk_body(sandbox, ref, "py-armed")).status_code == 200
    messages = {c["transactionReference"]: c["message"] for c in callbacks(sandbox, "py-armed", count=2)}
    assert messages == {"PYARMED00001": "InsufficientFund", "PYARMED00002": "Successful"}


def test_a_reset_connection_reaches_the_client_as_a_connection_error(sandbox, token, sign):
    with pytest.raises(requests.exceptions.ConnectionError):
        push(sandbox, token, sign, stk_body(sandbox, "PYRESET00001", "py-reset"), "fault:reset")


def test_a_hanging_answer_reaches_the_client_as_its_own_timeout(sandbox, token, sign):
    with pytest.raises(requests.exceptions.ReadTimeout):
        push(sandbox, token, sign, stk_body(sandbox, "PYHANG000001", "py-hang"), "fault:hang", timeout=0.3)
