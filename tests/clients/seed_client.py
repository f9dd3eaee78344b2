#!/usr/bin/env python3
"""Compatibility test: the seed Python client against jenga-sandbox.

The client is PyPI ``equity-jenga-api==0.0.7`` (module ``equity_jenga``, class
``equity_jenga.api.auth.JengaAPI``), a JengaHQ v2 client. This script starts the
sandbox binary on a free port, points the client at it by changing only its base
URL, runs every public method of the client and checks what comes back.

The client is used as published, with one patch: its ``handle_response`` calls a
method that does not exist (``response.response_status()``), so every call would
die with AttributeError. The replacement calls ``raise_for_status()`` and keeps the
original logic. Three methods (``purchase_airtime``, ``loans_credit_score``,
``get_forex_rates``) read a non-existent ``self.authentication_token`` and fail
before sending anything; the test asserts that, then sends the request those
methods intend (same path and fields, as a correct JSON body) with ``requests``.

Needs Python 3.11, the client (installed with --no-deps: its ``pycrypto``
dependency does not build on 3.11), ``requests`` and ``pycryptodome``.

Prints one line per check and exits non-zero when any check failed.
"""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

import requests
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15

import equity_jenga.api.auth as jenga_auth
import equity_jenga.api.exceptions as jenga_exceptions

import sandbox as harness
from sandbox import REPO, CheckFailed, Report, ensure

# The default merchant (docs/configuration.md "Default merchant", contract §3).
API_KEY = "Basic SANDBOX-API-KEY"  # the client sends it verbatim as Authorization
MERCHANT_CODE = "9999999999"  # also the v2 username: the client uses merchant_code as username
PASSWORD = "sandbox-secret"
ACCOUNT_NUMBER = "0011547896523"  # the v2 sample account, one of the default merchant's fixtures
COUNTRY = "KE"

V2_ERROR_KEYS = {"response_status", "response_code", "response_msg"}
# Target errors that mean "no such transaction" (seed 000's v2 tables): 111102 "Bad request -
# Transaction not found" (receive payments), 112102 "No transaction found for order ref" (query payment).
NOT_FOUND_CODES = {"111102", "112102"}
BODY_LIMIT = 600  # characters of a response body quoted in a FAIL line


# --------------------------------------------------------------------------------------------
# The client patch
# --------------------------------------------------------------------------------------------


class Recorder:
    """The last HTTP response the test saw (from the client or a raw request), for FAIL lines."""

    response: requests.Response | None = None


def patched_handle_response(response: requests.Response) -> Any:
    """The client's handle_response with its one bug fixed.

    Original::

        response.response_status()          # AttributeError: no such method
        resp = response.json()
        if resp["response_status"] == "error":
            raise RequestException(resp["response_code"] + " : " + resp["response_msg"])
        else:
            return response.json()

    Kept: the target-error test and the message. Changed: ``raise_for_status()``
    instead of the missing method; ``.get`` instead of ``[...]`` because v2 successes
    are bare objects without ``response_status`` (the original would raise KeyError on
    every success); the response is attached to the exception so the test can report it.
    """
    Recorder.response = response
    response.raise_for_status()
    resp = response.json()
    if isinstance(resp, dict) and resp.get("response_status") == "error":
        raise requests.exceptions.RequestException(
            resp["response_code"] + " : " + resp["response_msg"], response=response
        )
    return resp


def patch_client() -> None:
    # auth.py does `from .exceptions import handle_response`: patch the name it calls.
    jenga_auth.handle_response = patched_handle_response
    jenga_exceptions.handle_response = patched_handle_response


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


def describe(response: requests.Response | None) -> str:
    if response is None:
        return "no response"
    body = response.text
    if len(body) > BODY_LIMIT:
        body = body[:BODY_LIMIT] + "…"
    return f"{response.request.method} {requests.utils.urlparse(response.url).path} -> HTTP {response.status_code} {body}"


def json_of(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise CheckFailed("the body is not JSON")


def expect_success_object(result: Any, *keys: str) -> dict:
    """A v2 success: a bare JSON object (no error envelope) holding `keys`."""
    ensure(isinstance(result, dict), f"expected a JSON object, got {type(result).__name__}")
    ensure("response_status" not in result, f"v2 error envelope on success: {result}")
    missing = [k for k in keys if k not in result]
    ensure(not missing, f"missing {missing} in {sorted(result)}")
    return result


def expect_raw_success(response: requests.Response, *keys: str) -> dict:
    Recorder.response = response
    ensure(200 <= response.status_code < 300, f"expected HTTP 2xx, got {response.status_code}")
    return expect_success_object(json_of(response), *keys)


def expect_clean_not_found(call: Callable[[], Any]) -> str:
    """An unknown reference: HTTP 404 in the v2 envelope, or a v2 target error; never a 5xx."""
    try:
        result = call()
    except requests.HTTPError as e:
        r = e.response
        Recorder.response = r
        ensure(r.status_code < 500, f"HTTP {r.status_code} for an unknown reference")
        ensure(r.status_code == 404, f"expected HTTP 404 (or a target error at 200), got {r.status_code}")
        body = json_of(r)
        ensure(isinstance(body, dict) and set(body) == V2_ERROR_KEYS, f"not the v2 error envelope: {body}")
        ensure(body["response_code"] == "500104", f"HTTP 404 with response_code {body['response_code']!r}, not 500104")
        return f"HTTP 404 {body['response_code']} {body['response_msg']!r}"
    except requests.RequestException as e:  # the patched handle_response: a target error
        r = e.response
        Recorder.response = r
        ensure(r is not None and r.status_code == 200, "target error not at HTTP 200")
        body = json_of(r)
        ensure(set(body) == V2_ERROR_KEYS, f"not the v2 error envelope: {body}")
        # Any other target error (900101 for a signature, say) is refused: the call must get as
        # far as looking the reference up.
        ensure(
            body["response_code"] in NOT_FOUND_CODES,
            f"target error {body['response_code']} is not a not-found code {sorted(NOT_FOUND_CODES)}",
        )
        return f"target error {body['response_code']} {body['response_msg']!r}"
    raise CheckFailed(f"succeeded for an unknown reference: {result}")


def expect_invalid_request(call: Callable[[], Any], fields: list[str]) -> str:
    """HTTP 400 {response_status: invalid_request_error, response_code: 500102, response_msg}
    whose message names each of `fields`."""
    try:
        result = call()
    except requests.HTTPError as e:
        r = e.response
        Recorder.response = r
        ensure(r.status_code == 400, f"expected HTTP 400, got {r.status_code}")
        body = json_of(r)
        ensure(isinstance(body, dict) and set(body) == V2_ERROR_KEYS, f"not the v2 error envelope: {body}")
        ensure(body["response_status"] == "invalid_request_error", f"response_status {body['response_status']!r}")
        ensure(body["response_code"] == "500102", f"response_code {body['response_code']!r}")
        msg = body["response_msg"]
        unnamed = [f for f in fields if f not in str(msg)]
        ensure(not unnamed, f"response_msg does not name {unnamed}: {msg!r}")
        return f"HTTP 400 500102 {msg!r}"
    except requests.RequestException as e:
        Recorder.response = e.response
        raise CheckFailed(f"expected HTTP 400, got a target error: {e}")
    raise CheckFailed(f"expected HTTP 400, got success: {result}")


def expect_authentication_token_bug(call: Callable[[], Any]) -> str:
    """The method reads self.authentication_token (it has authorization_token) and dies first."""
    before = Recorder.response
    try:
        result = call()
    except AttributeError as e:
        ensure("authentication_token" in str(e), f"AttributeError, but not the known one: {e}")
        ensure(Recorder.response is before, "the client sent a request before failing")
        return "AttributeError on self.authentication_token, nothing sent (known client bug)"
    raise CheckFailed(f"the client no longer fails on self.authentication_token (returned {result!r}); update this test")


# --------------------------------------------------------------------------------------------
# Raw requests (what the client intends, or cannot do)
# --------------------------------------------------------------------------------------------

_refs = itertools.count(1)
_run = time.strftime("%H%M%S")


def new_reference() -> str:
    """12 digits, unique within this run (the sandbox is fresh for each run)."""
    return f"{_run}{next(_refs):06d}"


class Signer:
    def __init__(self, private_key: Path) -> None:
        self.key = RSA.import_key(private_key.read_bytes())

    def sign(self, *fields: str) -> str:
        digest = SHA256.new("".join(fields).encode("utf-8"))
        return base64.b64encode(pkcs1_15.new(self.key).sign(digest)).decode("ascii")


def post_json(url: str, token: str, body: dict, signature: str | None) -> requests.Response:
    headers = {"Authorization": token, "Content-Type": "application/json"}
    if signature is not None:
        headers["signature"] = signature
    response = requests.post(url, headers=headers, data=json.dumps(body), timeout=10)
    Recorder.response = response
    return response


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------

# Every public attribute of JengaAPI this test exercises; a new one fails the coverage check.
COVERED = {
    "authorization_token",
    "signature",
    "get_account_available_balance",
    "get_account_mini_statement",
    "get_account_opening_and_closing_balance",
    "get_account_full_statement",
    "get_pesalink_linked_accounts",
    "get_all_eazzypay_merchants",
    "get_all_billers",
    "get_payment_status",
    "get_transaction_details",
    "get_transaction_status",
    "kyc_search_verify",
    "purchase_airtime",
    "loans_credit_score",
    "get_forex_rates",
}


def run_checks(sandbox: harness.Sandbox, private_key: Path) -> Report:
    base = sandbox.base
    report = Report(before=lambda: setattr(Recorder, "response", None), explain=lambda: describe(Recorder.response))
    signer = Signer(private_key)
    api = jenga_auth.JengaAPI(
        api_key=API_KEY,
        password=PASSWORD,
        merchant_code=MERCHANT_CODE,
        env="sandbox",
        private_key=str(private_key),
        sandbox_url=base,
    )
    today = dt.datetime.now(dt.timezone.utc).date()  # the sandbox clock is UTC
    state: dict[str, Any] = {}

    def coverage() -> str:
        public = {n for n, _ in inspect.getmembers(jenga_auth.JengaAPI) if not n.startswith("_")}
        ensure(client_version() == "0.0.7", f"equity-jenga-api {client_version()} installed, this test is for 0.0.7")
        ensure(public == COVERED, f"untested: {sorted(public - COVERED)}, gone: {sorted(COVERED - public)}")
        return f"equity-jenga-api 0.0.7: {len(public)} public members of JengaAPI, all exercised below"

    report.check("coverage", coverage)

    def account_fixture() -> str:
        accounts = json.loads((REPO / "fixtures" / "accounts.json").read_text())
        match = [a for a in accounts if a["number"] == ACCOUNT_NUMBER]
        ensure(len(match) == 1, f"{ACCOUNT_NUMBER} not in fixtures/accounts.json")
        state["account"] = match[0]
        return f"{ACCOUNT_NUMBER} ({match[0]['currency']}, {match[0]['countryCode']})"

    report.check("fixture account", account_fixture)

    def token() -> str:
        bearer = api.authorization_token
        body = json_of(Recorder.response)
        ensure(isinstance(body.get("access_token"), str) and body["access_token"], f"no access_token in {body}")
        ensure(bearer == "Bearer " + body["access_token"], f"client built {bearer!r}")
        state["token"] = bearer
        return f"access_token of {len(body['access_token'])} characters, token_type {body.get('token_type')!r}"

    if not report.check("authorization_token", token):
        print("cannot continue without a token", flush=True)
        return report

    def signature() -> str:
        got = api.signature((COUNTRY, ACCOUNT_NUMBER))
        want = signer.sign(COUNTRY, ACCOUNT_NUMBER)
        ensure(got.decode("ascii") == want, "differs from RSA-SHA256 PKCS#1 v1.5 with the fixture key")
        return "Base64 RSA-SHA256 PKCS#1 v1.5 of the joined fields (bytes)"

    report.check("signature", signature)

    # -- a known reference: v2 EazzyPay push and v2 internal transfer, sent raw -------------

    def eazzypay_push() -> str:
        ref = new_reference()
        body = {
            "customer": {"mobileNumber": "0763555619", "countryCode": COUNTRY},
            "transaction": {
                "amount": "10.00",
                "description": "seed client compatibility test",
                "type": "EazzyPayOnline",
                "reference": ref,
            },
        }
        sig = signer.sign(ref, "10.00", MERCHANT_CODE, COUNTRY)
        result = expect_raw_success(post_json(base + "/transaction-test/v2/payments", state["token"], body, sig))
        state["push_ref"] = ref
        return f"ref {ref}: {result}"

    report.check("raw v2 POST /transaction-test/v2/payments (EazzyPay push)", eazzypay_push)

    def remittance() -> str:
        ref = new_reference()
        body = {
            "source": {"countryCode": COUNTRY, "name": "A N Other", "accountNumber": ACCOUNT_NUMBER},
            "destination": {"type": "bank", "countryCode": COUNTRY, "name": "Tom Doe", "accountNumber": "1100194977404"},
            "transfer": {
                "type": "InternalFundsTransfer",
                "amount": "100.00",
                "currencyCode": "KES",
                "reference": ref,
                "date": today.isoformat(),
                "description": "seed client compatibility test",
            },
        }
        sig = signer.sign(ACCOUNT_NUMBER, "100.00", "KES", ref)
        result = expect_raw_success(post_json(base + "/transaction-test/v2/remittance", state["token"], body, sig))
        state["remittance_ref"] = ref
        return f"ref {ref}: {result}"

    report.check("raw v2 POST /transaction-test/v2/remittance (InternalFundsTransfer)", remittance)

    # -- account services -------------------------------------------------------------------

    def balance() -> str:
        result = expect_success_object(api.get_account_available_balance(COUNTRY, ACCOUNT_NUMBER), "balances")
        balances = result["balances"]
        ensure(isinstance(balances, list) and balances, f"balances not a non-empty list: {balances}")
        ensure(all({"amount", "type"} <= set(b) for b in balances), f"entries without amount/type: {balances}")
        return json.dumps(result)

    report.check("get_account_available_balance", balance)

    def mini_statement() -> str:
        result = expect_success_object(api.get_account_mini_statement(COUNTRY, ACCOUNT_NUMBER), "transactions")
        txs = result["transactions"]
        ensure(isinstance(txs, list), f"transactions not a list: {txs}")
        if "remittance_ref" in state:
            ensure(txs, "no transactions although the transfer above debited the account")
        return f"{len(txs)} transactions, keys {sorted(result)}"

    report.check("get_account_mini_statement", mini_statement)

    def opening_closing() -> str:
        result = api.get_account_opening_and_closing_balance(ACCOUNT_NUMBER, COUNTRY, today.isoformat())
        result = expect_success_object(result, "balances")
        balances = result["balances"]
        ensure(isinstance(balances, list) and balances, f"balances not a non-empty list: {balances}")
        return json.dumps(result)

    report.check("get_account_opening_and_closing_balance", opening_closing)

    def full_statement() -> str:
        from_date = (today - dt.timedelta(days=30)).isoformat()
        result = api.get_account_full_statement(COUNTRY, ACCOUNT_NUMBER, from_date, today.isoformat(), limit=10)
        result = expect_success_object(result, "transactions")
        txs = result["transactions"]
        ensure(isinstance(txs, list), f"transactions not a list: {txs}")
        ensure(len(txs) <= 10, f"{len(txs)} transactions for limit 10")
        return f"{len(txs)} transactions, keys {sorted(result)}"

    report.check("get_account_full_statement (trailing slash, form body under JSON type)", full_statement)

    # -- queries ------------------------------------------------------------------------------

    def pesalink() -> str:
        result = expect_success_object(api.get_pesalink_linked_accounts("0722000000"), "banks")
        ensure(isinstance(result["banks"], list), f"banks not a list: {result['banks']}")
        return json.dumps(result)[:200]

    report.check("get_pesalink_linked_accounts", pesalink)

    def listing(method: Callable[[], Any], key: str) -> Callable[[], str]:
        def check() -> str:
            result = expect_success_object(method(), key)
            items = result[key]
            ensure(isinstance(items, list) and items, f"{key} not a non-empty list: {items}")
            ensure(len(items) <= 10, f"{len(items)} {key} for per_page=10")
            return f"{len(items)} {key}, first {items[0]}"

        return check

    report.check("get_all_eazzypay_merchants", listing(api.get_all_eazzypay_merchants, "merchants"))
    report.check("get_all_billers", listing(api.get_all_billers, "billers"))

    # -- payment status and transaction details ----------------------------------------------

    unknown = "000000000000"
    report.check("get_payment_status (unknown ref)", lambda: expect_clean_not_found(lambda: api.get_payment_status(unknown)))

    def payment_status_known() -> str:
        ensure("push_ref" in state, "no known reference: the EazzyPay push above failed")
        result = expect_success_object(api.get_payment_status(state["push_ref"]))
        ensure(result, "empty object")
        return json.dumps(result)

    report.check("get_payment_status (known ref)", payment_status_known)

    report.check(
        "get_transaction_details (unknown ref)",
        lambda: expect_clean_not_found(lambda: api.get_transaction_details(unknown)),
    )

    def details_known(key: str, what: str) -> Callable[[], str]:
        def check() -> str:
            ensure(key in state, f"no known reference: the {what} above failed")
            result = expect_success_object(api.get_transaction_details(state[key]))
            ensure(
                result.get("transactionReference") == state[key],
                f"transactionReference {result.get('transactionReference')!r}, sent {state[key]!r}",
            )
            return json.dumps(result)

        return check

    report.check("get_transaction_details (known ref, EazzyPay push)", details_known("push_ref", "EazzyPay push"))
    report.check("get_transaction_details (known ref, remittance)", details_known("remittance_ref", "remittance"))

    # -- nested dicts sent as form fields: a clean 400 naming the field ----------------------

    report.check(
        "get_transaction_status (nested dicts flattened into a form)",
        lambda: expect_invalid_request(
            lambda: api.get_transaction_status("seedclient-" + new_reference(), today.isoformat()),
            ["destination", "transfer"],
        ),
    )

    identity = {
        "documentType": "ID",
        "firstName": "JOHN",
        "lastName": "DOE",
        "dateOfBirth": "1985-06-20",
        "documentNumber": "555555",
        "countryCode": COUNTRY,
    }
    report.check(
        "kyc_search_verify (nested dict flattened into a form)",
        lambda: expect_invalid_request(lambda: api.kyc_search_verify(dict(identity)), ["identity"]),
    )

    # -- methods that never send: assert the bug, then send what they intend -----------------

    report.check(
        "purchase_airtime (client)",
        lambda: expect_authentication_token_bug(
            lambda: api.purchase_airtime({"countryCode": COUNTRY, "mobileNumber": "0765555131"}, {"amount": "100", "telco": "Equitel"})
        ),
    )

    def airtime_raw() -> str:
        ref = new_reference()
        body = {
            "customer": {"countryCode": COUNTRY, "mobileNumber": "0765555131"},
            "airtime": {"amount": "100", "reference": ref, "telco": "Equitel"},
        }
        # The client's field order: merchantCode, airtime.telco, airtime.amount, airtime.reference.
        sig = signer.sign(MERCHANT_CODE, "Equitel", "100", ref)
        result = expect_raw_success(post_json(base + "/transaction-test/v2/airtime", state["token"], body, sig))
        return f"ref {ref}: {result}"

    report.check("purchase_airtime (raw JSON, POST /transaction-test/v2/airtime)", airtime_raw)

    credit_customer = [
        {
            "id": "",
            "fullName": "JOHN DOE",
            "firstName": "JOHN",
            "lastName": "DOE",
            "shortName": "JOHN",
            "title": "",
            "mobileNumber": "0765555131",
            "dateOfBirth": "1985-06-20",
            "identityDocument": {"documentType": "NationalID", "documentNumber": "555555"},
        }
    ]
    bureau = {"reportType": "Mobile", "countryCode": COUNTRY}
    loan = {"amount": "5000"}
    report.check(
        "loans_credit_score (client)",
        lambda: expect_authentication_token_bug(lambda: api.loans_credit_score(credit_customer, bureau, loan)),
    )

    def credit_raw() -> str:
        body = {"customer": credit_customer, "bureau": bureau, "loan": loan}
        # The client's field order: customer[0].dateOfBirth, merchantCode, documentNumber.
        sig = signer.sign("1985-06-20", MERCHANT_CODE, "555555")
        result = expect_raw_success(post_json(base + "/customer-test/v2/creditinfo", state["token"], body, sig))
        ensure(result, "empty object")
        return json.dumps(result)[:200]

    report.check("loans_credit_score (raw JSON, POST /customer-test/v2/creditinfo)", credit_raw)

    report.check(
        "get_forex_rates (client)",
        lambda: expect_authentication_token_bug(lambda: api.get_forex_rates(COUNTRY, "USD")),
    )

    def forex_raw() -> str:
        body = {"countryCode": COUNTRY, "currencyCode": "USD"}
        # The client sends no signature for this one.
        result = expect_raw_success(
            post_json(base + "/transaction-test/v2/foreignexchangerates", state["token"], body, None), "rate"
        )
        ensure(isinstance(result["rate"], (int, float)) and result["rate"] > 0, f"rate {result['rate']!r}")
        return json.dumps(result)[:200]

    report.check("get_forex_rates (raw JSON, POST /transaction-test/v2/foreignexchangerates)", forex_raw)

    return report


def client_version() -> str:
    try:
        from importlib.metadata import version

        return version("equity-jenga-api")
    except Exception:
        return "?"


def main() -> int:
    args = harness.arguments(__doc__.splitlines()[0], timeout=50.0)
    patch_client()
    return harness.run(
        "seed_client",
        args,
        header=lambda _: f"client equity-jenga-api {client_version()}",
        checks=run_checks,
    )


if __name__ == "__main__":
    sys.exit(main())
