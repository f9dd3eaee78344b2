#!/usr/bin/env python3
"""Compatibility test: the published v3 Python SDKs against jenga-sandbox.

Three PyPI packages, used as published; only their base URL points at the sandbox, and their
credentials are the default merchant's (API key, merchant code, consumer secret, and the private
key fixtures/keys/sandbox-private.pem whose public half the sandbox registers for it):

* ``python-jengaapi==2.0.1`` (module ``jengaapi``): one service class per product family; the
  caller builds each body and signs with the SDK's ``AuthorizationService.signature``.
* ``jenga-api-client==1.0.0`` (module ``jenga_client``): OpenAPI-generated, pydantic request and
  response models with strict types; the caller puts the token and the Signature value into the
  ``Configuration`` (the SDK has no signer: signatures are made here with the documented formula).
* ``paymentsdks-jenga==0.2.0`` (module ``jenga``): token, signing, balance and mini statement,
  plus a CLI over the last two.

Every operation each SDK offers is called (a coverage check fails when a new one appears) with
fixture data (the default merchant's accounts, billers, tills, identities) and references unique
to the run. Asynchronous operations (STK push, wallet STK push, transfers to mobile wallets) get a
callback URL on the sandbox's built-in sink, and the check waits (bounded) for the callback.

A FAIL line ends with what the sandbox journal recorded for the check: each request as the SDK
sent it (method, path, headers, body), the signature diagnosis, and the response.

Prints one line per check and exits non-zero when any check failed.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
import datetime as dt
import inspect
import io
import itertools
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable

from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15

import sandbox as harness
from sandbox import REPO, CheckFailed, Report, ensure, wait_until

# The default merchant (docs/configuration.md "Default merchant", contract §3).
API_KEY = "SANDBOX-API-KEY"
MERCHANT_CODE = "9999999999"
CONSUMER_SECRET = "sandbox-secret"
COUNTRY = "KE"

# Accounts of the default merchant (fixtures/accounts.json), by role.
UAT_ACCOUNT = "1450160649886"  # the published UAT test account: account services
FUNDING_ACCOUNT = "0020100014605"  # "Jenga Test Partner": source of transfers, partner of bills and tills
OTHER_ACCOUNT = "1100194977404"  # credited by transfers within Equity
USD_ACCOUNT = "0810178838044"  # source of the SWIFT transfer
STK_ACCOUNT = "0170194290581"  # seed 001's merchant account, credited by STK pushes
BILLER = "320320"  # ZUKU (fixtures/billers.json)
TILL = "0766112112"  # fixtures/merchants.json
IDENTITY = ("KE", "555555")  # fixtures/identities.json
MPGS_MID = "TESTJENGA_MISC"  # the published MPGS test MID (reference §13)

CALLBACK_TIMEOUT = 10.0  # seconds to wait for a callback (the default first delay is 1 s)
BODY_LIMIT = 700  # characters of a journal body quoted in a FAIL line

SDK_VERSIONS = {"python-jengaapi": "2.0.1", "jenga-api-client": "1.0.0", "paymentsdks-jenga": "0.2.0"}


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

_refs = itertools.count(1)
_run = time.strftime("%H%M%S")


def new_reference() -> str:
    """12 digits, unique within this run (and across runs a second apart)."""
    return f"{_run}{next(_refs):06d}"


def today() -> str:
    return dt.datetime.now(dt.timezone.utc).date().isoformat()  # the sandbox clock is UTC


class Signer:
    """RSA PKCS#1 v1.5 over SHA-256 of the fields joined with nothing, Base64 (reference §3.1).

    Used for the OpenAPI client, which has no signer of its own, and to cross-check the SDKs'."""

    def __init__(self, private_key: Path) -> None:
        self.key = RSA.import_key(private_key.read_bytes())

    def sign(self, *fields: str) -> str:
        digest = SHA256.new("".join(fields).encode("utf-8"))
        return base64.b64encode(pkcs1_15.new(self.key).sign(digest)).decode("ascii")


class Journal:
    """What the sandbox recorded since a mark: the requests exactly as the SDK sent them."""

    def __init__(self, sandbox: harness.Sandbox) -> None:
        self.sandbox = sandbox
        self.mark = 0

    @staticmethod
    def _number(entry: dict) -> int:
        digits = re.sub(r"\D", "", str(entry.get("id", "")))
        return int(digits) if digits else 0

    def set_mark(self) -> None:
        try:
            latest = self.sandbox.journal(limit=1)
            self.mark = self._number(latest[0]) if latest else 0
        except Exception:
            self.mark = 0  # a dead sandbox: the check itself will say so

    def since_mark(self) -> list[dict]:
        entries = [e for e in self.sandbox.journal(limit=40) if self._number(e) > self.mark]
        return list(reversed(entries))  # oldest first

    def explain(self) -> str:
        entries = self.since_mark()
        if not entries:
            return "the sandbox journal has no request for this check (nothing was sent)"
        return " || ".join(describe_entry(i + 1, e) for i, e in enumerate(entries))


def clip(value: Any, limit: int = BODY_LIMIT) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[:limit] + "…"


def describe_entry(number: int, entry: dict) -> str:
    headers = {}
    for name, value in (entry.get("headers") or {}).items():
        if name in ("host", "accept-encoding", "connection", "content-length"):
            continue
        if name == "authorization" and len(value) > 40:
            value = f"{value[:20]}…({len(value)} chars)"
        if name == "signature" and len(value) > 40:
            value = f"{value[:16]}…({len(value)} chars)"
        headers[name] = value
    text = f"[{number}] {entry.get('method')} {entry.get('path')} op={entry.get('operation')} headers={clip(headers)}"
    if entry.get("body") is not None:
        text += f" body={clip(entry['body'])}"
    signature = entry.get("signature")
    if signature and not signature.get("valid", True):
        parts = {k: signature.get(k) for k in ("formula", "expected", "problem", "likelyMistake") if signature.get(k)}
        text += f" signature={clip(parts)}"
    response = entry.get("response") or {}
    text += f" -> HTTP {response.get('status')} {clip(response.get('body'))}"
    return text


def load_fixture(name: str) -> Any:
    return json.loads((REPO / "fixtures" / name).read_text())


def version_of(package: str) -> str:
    try:
        from importlib.metadata import version

        return version(package)
    except Exception:
        return "?"


def v3_success(result: Any, what: str = "response") -> dict:
    """A v3 success envelope: status true, code 0 (a number; "0" only where documented)."""
    ensure(isinstance(result, dict), f"{what}: expected a JSON object, got {type(result).__name__}: {clip(result)}")
    ensure(result.get("status") is True, f"{what}: status {result.get('status')!r}, expected true: {clip(result)}")
    ensure(result.get("code") in (0, "0"), f"{what}: code {result.get('code')!r}, expected 0: {clip(result)}")
    return result


def expect_echo(result: dict, key: str, sent: str) -> None:
    if key in result:
        ensure(result[key] == sent, f"{key} {result[key]!r}, sent {sent!r}")


def callback_for(sandbox: harness.Sandbox, sink: str, key: str, reference: str) -> dict:
    """Wait until a callback whose `key` (a dotted path) equals `reference` arrived at the sink."""

    def probe() -> dict | None:
        for entry in sandbox.sink(sink):
            value: Any = entry.get("body")
            for part in key.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value == reference:
                return entry["body"]
        return None

    return wait_until(probe, CALLBACK_TIMEOUT, f"callback with {key}={reference} at sink {sink}")


def public_methods(cls: type) -> set[str]:
    return {n for n, m in inspect.getmembers(cls) if not n.startswith("_") and (callable(m) or isinstance(m, property))}


class Fixtures:
    def __init__(self) -> None:
        accounts = {a["number"]: a for a in load_fixture("accounts.json")}
        for number in (UAT_ACCOUNT, FUNDING_ACCOUNT, OTHER_ACCOUNT, USD_ACCOUNT, STK_ACCOUNT):
            ensure(number in accounts, f"{number} not in fixtures/accounts.json")
        self.accounts = accounts
        self.billers = load_fixture("billers.json")
        ensure(any(b["code"] == BILLER for b in self.billers), f"biller {BILLER} not in fixtures/billers.json")
        self.merchants = load_fixture("merchants.json")
        tills = {m["tillnumber"] for m in self.merchants} | {o["tillnumber"] for m in self.merchants for o in m["outlets"]}
        ensure(TILL in tills, f"till {TILL} not in fixtures/merchants.json")
        self.tills = tills
        people = [i for i in load_fixture("identities.json") if (i["countryCode"], i["documentNumber"]) == IDENTITY]
        ensure(len(people) == 1, f"identity {IDENTITY} not in fixtures/identities.json")
        self.person = people[0]["identity"]

    def name(self, number: str) -> str:
        return self.accounts[number]["name"]


# --------------------------------------------------------------------------------------------
# Request bodies shared by the SDKs (reference §6-§10, with fixture values)
# --------------------------------------------------------------------------------------------


def source(fx: Fixtures, number: str = FUNDING_ACCOUNT) -> dict:
    return {"countryCode": COUNTRY, "name": fx.name(number), "accountNumber": number}


def transfer(kind: str, amount: str, reference: str, currency: str = "KES", **extra: str) -> dict:
    body = {
        "type": kind,
        "amount": amount,
        "currencyCode": currency,
        "reference": reference,
        "date": today(),
        "description": f"v3 SDK compatibility test {kind}",
    }
    body.update(extra)
    return body


SENDER = {
    "name": "Jenga Test Partner",
    "documentType": "NationalId",
    "documentNumber": "12345678",
    "countryCode": COUNTRY,
    "mobileNumber": "0763000000",
    "email": "partner@example.com",
    "address": "Nairobi",
}

RECIPIENT_DOCUMENTS = {
    "documentType": "NationalId",
    "documentNumber": "23456789",
    "mobileNumber": "0722000000",
    "email": "recipient@example.com",
    "address": "Kampala",
}


def identity_body(fx: Fixtures) -> dict:
    customer = fx.person["customer"]
    return {
        "identity": {
            "documentType": "ID",
            "firstName": customer["firstName"],
            "lastName": customer["lastName"],
            "dateOfBirth": customer["birthDate"][:10],
            "documentNumber": IDENTITY[1],
            "countryCode": IDENTITY[0],
        }
    }


def card_cipher(text: str) -> str:
    """Stands in for an AES-encrypted, Base64-encoded card field (the key is undocumented)."""
    return base64.b64encode(("enc:" + text).encode()).decode()


# --------------------------------------------------------------------------------------------
# python-jengaapi 2.0.1
# --------------------------------------------------------------------------------------------

JENGAAPI_COVERED = {
    "AuthorizationService": {"auth_token", "signature"},
    "AccountServices": {
        "account_balance",
        "account_mini_statement",
        "account_inquiry_bank_accounts",
        "opening_closing_account_balance",
        "account_full_statement",
    },
    "SendMoneyService": {
        "send_within_equity",
        "send_to_mobile_wallets",
        "send_rtgs",
        "send_swift",
        "send_pesa_link_to_bank_account",
        "send_pesa_link_to_mobile_number",
    },
    "SendMoneyIMTService": {
        "send_within_equity",
        "send_to_mobile_wallets",
        "send_pesa_link_to_bank_account",
        "send_pesa_link_to_mobile_number",
    },
    "ReceiveMoneyService": {"receive_payments_bill_payments", "receive_payments_merchant_payments", "bill_validation"},
    "ReceiveMoneyQueriesService": {"get_all_eazzy_pay_merchants", "query_transaction_details", "get_all_billers"},
    "MiscellaneousServices": {"purchase_airtime", "get_forex_rates", "kyc"},
    "MPGSDirectIntegration": {
        "mpgs_validate_payment",
        "mpgs_authenticate_payment",
        "mpgs_authorize_payment",
        "mpgs_query_payment",
        "mpgs_refund_payment",
    },
}


def check_jengaapi(report: Report, sandbox: harness.Sandbox, fx: Fixtures, private_key: Path, signer: Signer) -> None:
    # The SDK reads its settings from the environment when jengaapi.configs.config is imported;
    # a Config subclass changes only the base URL (the SDK appends paths to it, so the slash).
    os.environ.update(
        API_KEY=API_KEY,
        MERCHANT_CODE=MERCHANT_CODE,
        CONSUMER_SECRET=CONSUMER_SECRET,
        PRIVATE_KEY_PATH=str(private_key),
    )
    from jengaapi.configs.config import Config
    from jengaapi.services import utils
    from jengaapi.services.account_services import AccountServices
    from jengaapi.services.authorization_service import AuthorizationService
    from jengaapi.services.miscellaneous_services import MiscellaneousServices
    from jengaapi.services.mpgs_direct_integration_service import MPGSDirectIntegration
    from jengaapi.services.receive_money_queries_services import ReceiveMoneyQueriesService
    from jengaapi.services.receive_money_services import ReceiveMoneyService
    from jengaapi.services.send_money_imt_services import SendMoneyIMTService
    from jengaapi.services.send_money_services import SendMoneyService

    class SandboxConfig(Config):
        BASE_URL = sandbox.base + "/"

    classes = {
        c.__name__: c
        for c in (
            AuthorizationService,
            AccountServices,
            SendMoneyService,
            SendMoneyIMTService,
            ReceiveMoneyService,
            ReceiveMoneyQueriesService,
            MiscellaneousServices,
            MPGSDirectIntegration,
        )
    }
    p = "python-jengaapi"
    state: dict[str, Any] = {}

    def coverage() -> str:
        ensure(version_of(p) == SDK_VERSIONS[p], f"{p} {version_of(p)} installed, this test is for {SDK_VERSIONS[p]}")
        problems = []
        for name, cls in classes.items():
            public = public_methods(cls)
            if public != JENGAAPI_COVERED[name]:
                problems.append(f"{name}: untested {sorted(public - JENGAAPI_COVERED[name])}, gone {sorted(JENGAAPI_COVERED[name] - public)}")
        ensure(not problems, "; ".join(problems))
        total = sum(len(v) for v in JENGAAPI_COVERED.values())
        return f"{len(classes)} service classes, {total} public methods, all exercised below (plus utils.generate_reference)"

    report.check(f"{p}: coverage", coverage)

    auth = AuthorizationService(SandboxConfig)
    accounts = AccountServices(SandboxConfig)
    send = SendMoneyService(SandboxConfig)
    imt = SendMoneyIMTService(SandboxConfig)
    receive = ReceiveMoneyService(SandboxConfig)
    queries = ReceiveMoneyQueriesService(SandboxConfig)
    misc = MiscellaneousServices(SandboxConfig)
    mpgs = MPGSDirectIntegration(SandboxConfig)

    def token() -> str:
        bearer = auth.auth_token
        ensure(isinstance(bearer, str) and bearer.startswith("Bearer "), f"auth_token {bearer!r}")
        ensure(bearer.count(".") == 2, "the access token is not a JWT")
        state["token"] = bearer
        return f"'Bearer ' + JWT of {len(bearer) - 7} characters"

    if not report.check(f"{p}: AuthorizationService.auth_token", token):
        print(f"{p}: cannot continue without a token", flush=True)
        return
    tok = state["token"]

    def sig(*fields: str) -> bytes:
        return auth.signature(fields)

    def signature() -> str:
        got = auth.signature((COUNTRY, UAT_ACCOUNT))
        ensure(isinstance(got, bytes), f"expected bytes, got {type(got).__name__}")
        ensure(got.decode("ascii") == signer.sign(COUNTRY, UAT_ACCOUNT), "differs from RSA-SHA256 PKCS#1 v1.5 with the fixture key")
        return "Base64 (bytes) of RSA-SHA256 PKCS#1 v1.5 over the joined fields; sent as the `signature` header"

    report.check(f"{p}: AuthorizationService.signature", signature)

    def generate_reference() -> str:
        ref = utils.generate_reference()
        ensure(re.fullmatch(r"\d{12}", ref) is not None, f"{ref!r} is not 12 digits")
        return f"{ref} (YYYYMMDDHHMM: unique per minute only, so the test uses its own references)"

    report.check(f"{p}: utils.generate_reference", generate_reference)

    # -- account services ----------------------------------------------------------------------

    def balance() -> str:
        result = v3_success(accounts.account_balance(sig(COUNTRY, UAT_ACCOUNT), tok, COUNTRY, UAT_ACCOUNT))
        data = result.get("data") or {}
        amounts = {b.get("type"): b.get("amount") for b in data.get("balances", [])}
        ensure(set(amounts) == {"Available", "Current"}, f"balance types {sorted(amounts)}")
        fixture = fx.accounts[UAT_ACCOUNT]["balance"]
        ensure(amounts["Available"] == fixture, f"Available {amounts['Available']!r}, fixture balance {fixture!r}")
        ensure(data.get("currency") == fx.accounts[UAT_ACCOUNT]["currency"], f"currency {data.get('currency')!r}")
        return clip(data, 200)

    report.check(f"{p}: AccountServices.account_balance", balance)

    def mini_statement() -> str:
        result = v3_success(accounts.account_mini_statement(sig(COUNTRY, UAT_ACCOUNT), tok, COUNTRY, UAT_ACCOUNT))
        data = result.get("data") or {}
        ensure(data.get("accountNumber") == UAT_ACCOUNT, f"accountNumber {data.get('accountNumber')!r}")
        ensure(isinstance(data.get("transactions"), list), f"transactions {clip(data.get('transactions'))}")
        ensure(len(data["transactions"]) <= 10, f"{len(data['transactions'])} transactions in a mini statement")
        return f"{len(data['transactions'])} transactions, balance {data.get('balance')!r}"

    report.check(f"{p}: AccountServices.account_mini_statement", mini_statement)

    def inquiry() -> str:
        result = v3_success(accounts.account_inquiry_bank_accounts(sig(COUNTRY, UAT_ACCOUNT), tok, COUNTRY, UAT_ACCOUNT))
        data = result.get("data") or {}
        account, customers = data.get("account") or {}, data.get("customer") or []
        ensure(account.get("number") == UAT_ACCOUNT, f"account.number {account.get('number')!r}")
        ensure(customers and customers[0].get("name") == fx.name(UAT_ACCOUNT), f"customer {clip(customers)}")
        return f"{account.get('number')} {account.get('status')} {customers[0].get('name')}"

    report.check(f"{p}: AccountServices.account_inquiry_bank_accounts", inquiry)

    def opening_closing() -> str:
        payload = {"countryCode": COUNTRY, "accountId": UAT_ACCOUNT, "date": today()}
        result = accounts.opening_closing_account_balance(sig(UAT_ACCOUNT, COUNTRY, today()), tok, **payload)
        data = v3_success(result).get("data") or {}
        types = {b.get("type") for b in data.get("balances", [])}
        ensure(types == {"Opening Balance", "Closing Balance"}, f"balance types {sorted(map(str, types))}")
        return clip(data, 200)

    report.check(f"{p}: AccountServices.opening_closing_account_balance", opening_closing)

    # -- send money (the full statement afterwards sees the transfers) --------------------------

    def within_equity() -> str:
        before = v3_success(accounts.account_balance(sig(COUNTRY, OTHER_ACCOUNT), tok, COUNTRY, OTHER_ACCOUNT), "balance before")
        ref = new_reference()
        payload = {
            "source": source(fx),
            "destination": {"type": "bank", "countryCode": COUNTRY, "name": fx.name(OTHER_ACCOUNT), "accountNumber": OTHER_ACCOUNT},
            "transfer": transfer("InternalFundsTransfer", "500.00", ref),
        }
        result = v3_success(send.send_within_equity(sig(FUNDING_ACCOUNT, "500.00", "KES", ref), tok, **payload))
        expect_echo(result, "reference", ref)
        ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
        after = v3_success(accounts.account_balance(sig(COUNTRY, OTHER_ACCOUNT), tok, COUNTRY, OTHER_ACCOUNT), "balance after")

        def available(r: dict) -> float:
            return float(next(b["amount"] for b in r["data"]["balances"] if b["type"] == "Available"))

        ensure(abs(available(after) - available(before) - 500.0) < 0.005, f"destination {available(before)} -> {available(after)}, not +500")
        state["transfer_ref"] = ref
        return f"ref {ref}: {clip(result.get('data'), 120)}; destination credited 500.00"

    report.check(f"{p}: SendMoneyService.send_within_equity", within_equity)

    def mobile_wallet(service: Any, imt_fields: bool) -> Callable[[], str]:
        def check() -> str:
            ref = new_reference()
            sink = f"jengaapi-mobile-{ref}"
            destination = {"type": "mobile", "countryCode": COUNTRY, "name": "A N Other", "mobileNumber": "254722000000", "walletName": "Mpesa"}
            payload: dict[str, Any] = {
                "source": source(fx),
                "destination": destination,
                "transfer": transfer("MobileWallet", "1000.00", ref, callbackUrl=sandbox.sink_url(sink)),
            }
            if imt_fields:
                payload["sender"] = dict(SENDER)
                destination.update(RECIPIENT_DOCUMENTS, mobileNumber="254722000000")
            result = v3_success(service.send_to_mobile_wallets(sig("1000.00", "KES", ref, FUNDING_ACCOUNT), tok, **payload))
            expect_echo(result, "reference", ref)
            callback = callback_for(sandbox, sink, "transactionReference", ref)
            ensure(callback.get("status") is True, f"callback {clip(callback)}")
            return f"ref {ref}: {clip(result.get('data'), 100)}; callback {clip(callback, 160)}"

        return check

    report.check(f"{p}: SendMoneyService.send_to_mobile_wallets (callback to the sink)", mobile_wallet(send, False))

    def rtgs_or_swift(method: Callable[..., Any], kind: str) -> Callable[[], str]:
        def check() -> str:
            ref = new_reference()
            if kind == "RTGS":
                src = dict(source(fx), currency="KES")
                destination = {"type": "bank", "countryCode": COUNTRY, "name": "Tom Doe", "bankCode": "61", "accountNumber": OTHER_ACCOUNT}
                tr, amount = transfer("RTGS", "200.00", ref, purposeOfPaymentCode="GOOD"), "200.00"
            else:
                src = dict(source(fx, USD_ACCOUNT), sourceCurrency="USD")
                destination = {
                    "type": "bank",
                    "countryCode": "IT",
                    "currency": "USD",
                    "name": "rtest",
                    "bankBic": "BRASITMMXXX",
                    "accountNumber": "10291281982198",
                    "addressline1": "24rth Street Turin",
                }
                tr, amount = transfer("SWIFT", "200.98", ref, currency="USD", chargeOption="SELF"), "200.98"
            payload = {"source": src, "destination": destination, "transfer": tr}
            signature = sig(ref, today(), src["accountNumber"], destination["accountNumber"], amount)
            result = v3_success(method(signature, tok, **payload))
            expect_echo(result, "reference", ref)
            ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
            return f"ref {ref}: {clip(result.get('data'), 120)}"

        return check

    report.check(f"{p}: SendMoneyService.send_rtgs", rtgs_or_swift(send.send_rtgs, "RTGS"))
    report.check(f"{p}: SendMoneyService.send_swift", rtgs_or_swift(send.send_swift, "SWIFT"))

    def pesalink(method: Callable[..., Any], to_mobile: bool, imt_fields: bool) -> Callable[[], str]:
        def check() -> str:
            ref = new_reference()
            if to_mobile:
                destination = {"type": "mobile", "countryCode": COUNTRY, "name": "A N Other", "bankCode": "01", "mobileNumber": "0722000000"}
            else:
                destination = {
                    "type": "bank",
                    "countryCode": COUNTRY,
                    "name": "Tom Doe",
                    "bankCode": "57",
                    "accountNumber": "99901288715910",
                    "mobileNumber": "0722000000",
                }
            payload: dict[str, Any] = {"source": source(fx), "destination": destination, "transfer": transfer("PesaLink", "500.00", ref)}
            if imt_fields:
                payload["sender"] = dict(SENDER)
                for key, value in RECIPIENT_DOCUMENTS.items():
                    destination.setdefault(key, value)
            signature = sig("500.00", "KES", ref, destination["name"], FUNDING_ACCOUNT)
            result = v3_success(method(signature, tok, **payload))
            expect_echo(result, "reference", ref)
            ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
            return f"ref {ref}: {clip(result.get('data'), 120)}"

        return check

    report.check(f"{p}: SendMoneyService.send_pesa_link_to_bank_account", pesalink(send.send_pesa_link_to_bank_account, False, False))
    report.check(f"{p}: SendMoneyService.send_pesa_link_to_mobile_number", pesalink(send.send_pesa_link_to_mobile_number, True, False))

    # -- send money, IMT (remittance/{rail}/imt) ----------------------------------------------

    def imt_within_equity() -> str:
        ref = new_reference()
        destination = {"type": "bank", "countryCode": COUNTRY, "name": fx.name(OTHER_ACCOUNT), "accountNumber": OTHER_ACCOUNT}
        destination.update(RECIPIENT_DOCUMENTS)
        payload = {
            "source": source(fx),
            "sender": dict(SENDER),
            "destination": destination,
            "transfer": transfer("InternalFundsTransfer", "750.00", ref),
        }
        result = v3_success(imt.send_within_equity(sig(FUNDING_ACCOUNT, "750.00", "KES", ref), tok, **payload))
        expect_echo(result, "reference", ref)
        ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
        return f"ref {ref}: {clip(result.get('data'), 120)}"

    report.check(f"{p}: SendMoneyIMTService.send_within_equity", imt_within_equity)
    report.check(f"{p}: SendMoneyIMTService.send_to_mobile_wallets (callback to the sink)", mobile_wallet(imt, True))
    report.check(f"{p}: SendMoneyIMTService.send_pesa_link_to_bank_account", pesalink(imt.send_pesa_link_to_bank_account, False, True))
    report.check(f"{p}: SendMoneyIMTService.send_pesa_link_to_mobile_number", pesalink(imt.send_pesa_link_to_mobile_number, True, True))

    def full_statement() -> str:
        payload = {
            "countryCode": COUNTRY,
            "accountNumber": FUNDING_ACCOUNT,
            "fromDate": (dt.date.fromisoformat(today()) - dt.timedelta(days=30)).isoformat(),
            "toDate": today(),
            "limit": 50,
        }
        result = accounts.account_full_statement(sig(FUNDING_ACCOUNT, COUNTRY, today()), tok, **payload)
        data = v3_success(result).get("data") or {}
        txs = data.get("transactions")
        ensure(isinstance(txs, list), f"transactions {clip(txs)}")
        if "transfer_ref" in state:
            ensure(any(state["transfer_ref"] in json.dumps(t) for t in txs), f"the transfer {state['transfer_ref']} is not in the statement")
        return f"{len(txs)} transactions, including this run's transfer within Equity"

    report.check(f"{p}: AccountServices.account_full_statement", full_statement)

    # -- receive money -------------------------------------------------------------------------

    def bill_payment() -> str:
        ref = new_reference()
        payload = {
            "biller": {"billerCode": BILLER, "countryCode": COUNTRY},
            "bill": {"reference": "10170476767676", "amount": "111.00", "currency": "KES"},
            "payer": {"name": "A. N Other", "account": "101704", "reference": ref, "mobileNumber": "0764555320"},
            "partnerId": FUNDING_ACCOUNT,
            "remarks": "v3 SDK compatibility test",
        }
        result = v3_success(receive.receive_payments_bill_payments(sig(BILLER, "111.00", ref, FUNDING_ACCOUNT), tok, **payload))
        expect_echo(result, "reference", ref)
        ensure((result.get("data") or {}).get("status") == "SUCCESS", f"data {clip(result.get('data'))}")
        state["bill_ref"] = ref
        return f"ref {ref}: {clip(result, 200)}"

    report.check(f"{p}: ReceiveMoneyService.receive_payments_bill_payments", bill_payment)

    def till_payment() -> str:
        ref = new_reference()
        payload = {
            "merchant": {"till": TILL},
            "payment": {"ref": ref, "amount": "1000.00", "currency": "KES"},
            "partner": {"id": FUNDING_ACCOUNT, "ref": "987654321"},
        }
        result = v3_success(receive.receive_payments_merchant_payments(sig(TILL, FUNDING_ACCOUNT, "1000.00", "KES", ref), tok, **payload))
        return f"ref {ref}: {clip(result, 200)}"

    report.check(f"{p}: ReceiveMoneyService.receive_payments_merchant_payments", till_payment)

    def bill_validation() -> str:
        payload = {"billerCode": BILLER, "customerRefNumber": "28055948", "amount": "1000.00", "amountCurrency": "KES"}
        # The doc's formula; the doc's example (and the sandbox) need no signature here.
        result = v3_success(receive.bill_validation(sig(BILLER, "1000.00", "KES"), tok, **payload))
        data = result.get("data") or {}
        ensure(data.get("customerRefNumber") == "28055948", f"customerRefNumber {data.get('customerRefNumber')!r}")
        ensure(data.get("status") is True, f"data.status {data.get('status')!r}")
        return clip(data, 200)

    report.check(f"{p}: ReceiveMoneyService.bill_validation", bill_validation)

    # -- queries -------------------------------------------------------------------------------

    def merchants() -> str:
        result = queries.get_all_eazzy_pay_merchants(tok, page=1, per_page=10)
        ensure(isinstance(result, dict) and isinstance(result.get("merchants"), list), f"not {{merchants: [...]}}: {clip(result)}")
        tills = {m.get("tillnumber") for m in result["merchants"]}
        ensure(result["merchants"] and tills <= fx.tills, f"tills {sorted(map(str, tills))} not from the fixture")
        return f"{len(result['merchants'])} merchants, first {clip(result['merchants'][0], 120)}"

    report.check(f"{p}: ReceiveMoneyQueriesService.get_all_eazzy_pay_merchants", merchants)

    def billers() -> str:
        result = v3_success(queries.get_all_billers(tok, page=1, per_page=5, category="utilities"))
        items = (result.get("data") or {}).get("billers")
        ensure(isinstance(items, list) and 0 < len(items) <= 5, f"billers {clip(items)}")
        utilities = {b["code"] for b in fx.billers if b.get("category") == "utilities"}
        ensure(all(b.get("code") in utilities for b in items), f"not all utilities: {clip(items)}")
        return f"{len(items)} utilities billers, first {items[0]}"

    report.check(f"{p}: ReceiveMoneyQueriesService.get_all_billers", billers)

    def details() -> str:
        ensure("bill_ref" in state, "no known reference: the bill payment above failed")
        ref = state["bill_ref"]
        # The SDK sends no signature for this call (it takes none).
        data = v3_success(queries.query_transaction_details(tok, ref)).get("data") or {}
        ensure(data.get("transactionReference") == ref, f"transactionReference {data.get('transactionReference')!r}, asked {ref!r}")
        ensure(data.get("state") == "Success" and data.get("stateCode") == 2, f"state {data.get('state')!r} {data.get('stateCode')!r}")
        return clip(data, 240)

    report.check(f"{p}: ReceiveMoneyQueriesService.query_transaction_details (unsigned)", details)

    # -- miscellaneous -------------------------------------------------------------------------

    def airtime() -> str:
        ref = new_reference()
        payload = {
            "customer": {"countryCode": COUNTRY, "mobileNumber": "0765555131"},
            "airtime": {"amount": "100", "reference": ref, "telco": "Safaricom"},
        }
        result = v3_success(misc.purchase_airtime(sig("Safaricom", "100", ref), tok, **payload))
        data = result.get("data") or {}
        ensure(data.get("referenceNumber") == ref and data.get("status") == "SUCCESS", f"data {clip(data)}")
        return f"ref {ref}: {clip(data, 120)}"

    report.check(f"{p}: MiscellaneousServices.purchase_airtime", airtime)

    def forex() -> str:
        payload = {"countryCode": COUNTRY, "currencyCode": "USD", "amount": 1042, "toCurrency": "KES"}
        data = v3_success(misc.get_forex_rates(None, tok, **payload)).get("data") or {}
        ensure(data.get("rate") == 122.6 and data.get("convertedAmount") == 127749.2, f"data {clip(data)} (expected rate 122.6, 127749.2)")
        return clip(data, 200)

    report.check(f"{p}: MiscellaneousServices.get_forex_rates (unsigned)", forex)

    def kyc() -> str:
        # The v2 doc's formula (the v3 one is undocumented): merchantCode+documentNumber+countryCode.
        result = v3_success(misc.kyc(sig(MERCHANT_CODE, IDENTITY[1], IDENTITY[0]), tok, **identity_body(fx)))
        identity = (result.get("data") or {}).get("identity") or {}
        ensure(identity.get("documentNumber") == IDENTITY[1], f"documentNumber {identity.get('documentNumber')!r}")
        name = (identity.get("customer") or {}).get("firstName")
        ensure(name == fx.person["customer"]["firstName"], f"firstName {name!r}")
        return f"{identity.get('documentType')} {identity.get('documentNumber')}: {(identity.get('customer') or {}).get('fullName')}"

    report.check(f"{p}: MiscellaneousServices.kyc", kyc)

    # -- MPGS card calls (v3.1 paths) -----------------------------------------------------------

    card = {
        "cardNumber": card_cipher("5123450000000008"),
        "cardSecurity": card_cipher("100"),
        "cardExpiryYear": "39",
        "cardExpiryMonth": "12",
    }
    mpgs_ref = "DEV" + new_reference()
    order_ref = "ORDER" + new_reference()

    def mpgs_validate() -> str:
        # The v3.2 doc's body and formula (the v3.1 SDK documents none).
        payload = {
            "transactionReference": mpgs_ref,
            "merchantMID": MPGS_MID,
            "apiOperation": "CREATE_SESSION",
            "responseUrl": sandbox.sink_url("jengaapi-mpgs-response"),
            "returnUrl": "https://merchant.example.com/return",
            "merchantLogo": "https://merchant.example.com/logo.png",
            "order": {"amount": 100.56, "currency": "USD", "reference": order_ref},
            "customer": {"firstName": "JOHN", "lastName": "DOE", "email": "john.doe@example.com"},
        }
        signature = sig(mpgs_ref, MPGS_MID, "CREATE_SESSION", "100.56", "USD", order_ref)
        result = mpgs.mpgs_validate_payment(signature, tok, **payload)
        ensure(isinstance(result, dict) and result.get("status") is True, f"status not true: {clip(result)}")
        data = result.get("data") or {}
        ensure(data.get("amount") == 100.56 and isinstance(data.get("charge"), (int, float)), f"data {clip(data)}")
        state["mpgs_validated"] = True
        return f"ref {mpgs_ref}: {clip(result, 200)}"

    def mpgs_step(method: Callable[..., Any], payload: dict, expect: Callable[[dict], bool], what: str) -> Callable[[], str]:
        def check() -> str:
            ensure(state.get("mpgs_validated"), "the payment was not validated above")
            # No source documents these formulas; the transaction reference is signed.
            result = method(sig(mpgs_ref), tok, **payload)
            ensure(isinstance(result, dict) and result.get("status") is True, f"status not true: {clip(result)}")
            data = result.get("data") or {}
            ensure(data.get("transactionReference") in (None, mpgs_ref), f"transactionReference {data.get('transactionReference')!r}")
            ensure(expect(data), f"{what}: data {clip(data)}")
            return clip(result, 200)

        return check

    report.check(f"{p}: MPGSDirectIntegration.mpgs_validate_payment", mpgs_validate)
    report.check(
        f"{p}: MPGSDirectIntegration.mpgs_authenticate_payment",
        mpgs_step(mpgs.mpgs_authenticate_payment, {"transactionReference": mpgs_ref, "sourceOfFunds": card}, lambda d: True, "authenticated"),
    )
    authorize = {
        "transactionReference": mpgs_ref,
        "customer": {
            "email": "john.doe@example.com",
            "firstName": "JOHN",
            "lastName": "DOE",
            "cardFirstName": "JOHN",
            "cardLastName": "DOE",
            "mobilePhone": "254722000000",
        },
        "order": {
            "reference": order_ref,
            "amount": 100.56,
            "currency": "USD",
            "description": "v3 SDK compatibility test",
            "subMerchant": {
                "address": {"city": "Nairobi", "company": "Sportify Ltd", "postalZip": "00100", "stateProvince": "Nairobi", "street": "Moi Avenue"},
                "email": "shop@example.com",
                "tradingName": "Sportify",
                "phone": "254722000001",
                "identifier": MERCHANT_CODE,
            },
        },
        "sourceOfFunds": card,
        "transaction": {"source": "INTERNET", "sourceOwner": "CARDHOLDER"},
    }
    report.check(
        f"{p}: MPGSDirectIntegration.mpgs_authorize_payment",
        mpgs_step(mpgs.mpgs_authorize_payment, authorize, lambda d: d.get("status") not in ("FAILED", "DECLINED"), "authorized"),
    )
    report.check(
        f"{p}: MPGSDirectIntegration.mpgs_query_payment",
        mpgs_step(
            mpgs.mpgs_query_payment,
            {"transactionReference": mpgs_ref, "orderReference": order_ref},
            lambda d: d.get("status") == "SUCCESS",
            "status SUCCESS after authorization",
        ),
    )
    report.check(
        f"{p}: MPGSDirectIntegration.mpgs_refund_payment",
        mpgs_step(
            mpgs.mpgs_refund_payment,
            {"transactionReference": mpgs_ref, "amount": 100.56, "merchantNote": "v3 SDK compatibility test refund"},
            lambda d: True,
            "refunded",
        ),
    )


# --------------------------------------------------------------------------------------------
# jenga-api-client 1.0.0 (OpenAPI-generated)
# --------------------------------------------------------------------------------------------

OPENAPI_COVERED = {
    "authentication_api_v3_authenticate_merchant_post",
    "v3_apis_payment_api_v30_stkussdpush_initiate_post",
    "v3_apis_transaction_api_v30_billers_get",
    "v3_apis_transaction_api_v30_bills_pay_post",
    "v3_apis_transaction_api_v30_bills_validation_post",
    "v3_apis_transaction_api_v30_merchants_get",
    "v3_apis_transaction_api_v30_remittance_internal_bank_transfer_imt_post",
    "v3_apis_transaction_api_v30_transaction_transaction_id_get",
    "api_checkout_mpesa_stk_push_v30_init_post",
    "api_checkout_mpesa_stk_push_v30_status_order_reference_get",
    "api_checkout_api_v1_create_payment_link_post",
}


def check_openapi(report: Report, sandbox: harness.Sandbox, fx: Fixtures, signer: Signer) -> None:
    import jenga_client
    from jenga_client import models as m
    from pydantic import ValidationError

    p = "jenga-api-client"
    # Only the host changes; the API key is the ApiKeyAuth scheme (header Api-Key).
    config = jenga_client.Configuration(host=sandbox.base, api_key={"ApiKeyAuth": API_KEY})
    api = jenga_client.DefaultApi(jenga_client.ApiClient(config))
    state: dict[str, Any] = {}

    def signed(signature: str | None) -> None:
        """The SignatureAuth scheme sends config.api_key['SignatureAuth'] as the Signature header."""
        if signature is None:
            config.api_key.pop("SignatureAuth", None)
        else:
            config.api_key["SignatureAuth"] = signature

    def coverage() -> str:
        ensure(version_of(p) == SDK_VERSIONS[p], f"{p} {version_of(p)} installed, this test is for {SDK_VERSIONS[p]}")
        suffixes = ("_with_http_info", "_without_preload_content")
        operations = {n for n in public_methods(jenga_client.DefaultApi) if not n.endswith(suffixes)}
        ensure(operations == OPENAPI_COVERED, f"untested {sorted(operations - OPENAPI_COVERED)}, gone {sorted(OPENAPI_COVERED - operations)}")
        return f"DefaultApi: {len(operations)} operations (each also as _with_http_info/_without_preload_content), all exercised below"

    report.check(f"{p}: coverage", coverage)

    def authenticate() -> str:
        request = m.AuthenticationRequest(merchantCode=MERCHANT_CODE, consumerSecret=CONSUMER_SECRET)
        result = api.authentication_api_v3_authenticate_merchant_post(request)
        ensure(isinstance(result, m.AuthenticationResponse), f"got {type(result).__name__}")
        ensure(result.access_token and result.access_token.count(".") == 2, "no JWT accessToken")
        ensure(result.token_type == "Bearer", f"tokenType {result.token_type!r}")
        ensure(result.expires_in and result.issued_at, "expiresIn/issuedAt missing")
        lifetime = (result.expires_in - result.issued_at).total_seconds()
        ensure(lifetime == 900, f"expiresIn - issuedAt = {lifetime}s, expected 900 s")
        config.access_token = result.access_token
        return f"JWT of {len(result.access_token)} characters, valid {lifetime:.0f}s (expiresIn, issuedAt parsed as date-times)"

    if not report.check(f"{p}: authentication_api_v3_authenticate_merchant_post", authenticate):
        print(f"{p}: cannot continue without a token", flush=True)
        return

    def stk_push() -> str:
        ref = "SDK" + new_reference()[-9:]  # 12 letters or digits
        sink = f"openapi-stk-{ref}"
        mobile = "254764555291"
        payment = m.EquitelPushRequestPayment(
            ref=ref,
            mobileNumber=mobile,
            telco="Equitel",
            amount="5.00",
            date=dt.date.fromisoformat(today()),
            callBackUrl=sandbox.sink_url(sink),
            pushType="STK",
        )
        merchant = m.EquitelPushRequestMerchant(countryCode=COUNTRY, accountNumber=STK_ACCOUNT, name=fx.name(STK_ACCOUNT))
        # The model has no payment.currency (so the body carries none); the documented formula
        # ends with it, and KE's currency is KES.
        signed(signer.sign(STK_ACCOUNT, ref, mobile, "Equitel", "5.00", "KES"))
        result = api.v3_apis_payment_api_v30_stkussdpush_initiate_post(m.EquitelPushRequest(merchant=merchant, payment=payment))
        ensure(result.status is True and result.code == -1, f"status {result.status!r} code {result.code!r}: {result.message!r}")
        ensure(result.reference == ref, f"reference {result.reference!r}, sent {ref!r}")
        body = callback_for(sandbox, sink, "transactionReference", ref)
        callback = m.EquitelCallbackResponse.from_dict(body)  # the SDK's own callback model
        ensure(callback.code == 3 and callback.status is True, f"callback code {callback.code!r} status {callback.status!r}")
        ensure(callback.mobile_number == mobile and callback.telco == "Equitel", f"callback {clip(body)}")
        return f"ref {ref}: ack code -1, transactionId {result.transaction_id!r}; callback code 3 {callback.message!r}"

    report.check(f"{p}: v3_apis_payment_api_v30_stkussdpush_initiate_post (callback to the sink)", stk_push)

    def billers() -> str:
        # The SDK models this answer as {code: string, data: [{billerCode, billerName, ...}]};
        # the documented answer (reference §8.2, which the sandbox follows) is
        # {code: 0, data: {billers: [{name, code}]}}, which its strict models refuse.
        # BillersResponse.from_dict iterates data as a list, so over the object's keys first:
        # Biller.from_dict("billers") fails (and code 0 would fail StrictStr next).
        try:
            result = api.v3_apis_transaction_api_v30_billers_get()
        except ValidationError as e:
            known = all(
                (err["loc"] and err["loc"][0] in ("code", "data")) or (err.get("ctx") or {}).get("class_name") == "Biller"
                for err in e.errors()
            )
            ensure(known, f"ValidationError, but not the known one: {e}")
            raw = api.v3_apis_transaction_api_v30_billers_get_without_preload_content()
            ensure(raw.status == 200, f"raw HTTP {raw.status}")
            body = json.loads(raw.data)
            items = v3_success(body).get("data", {}).get("billers")
            ensure(isinstance(items, list) and items, f"documented data.billers missing: {clip(body)}")
            first = e.errors()[0]
            return (
                f"known SDK bug: its BillersResponse model (code a string, data a list of Biller) refuses the documented "
                f"answer ({first['msg']}, input {first['input']!r}); the same call unparsed: HTTP 200 with {len(items)} billers"
            )
        raise CheckFailed(f"the SDK parsed the billers answer ({clip(result.to_dict())}): the documented shape changed or the SDK was fixed; update this test")

    report.check(f"{p}: v3_apis_transaction_api_v30_billers_get", billers)

    def bill_payment() -> str:
        ref = new_reference()
        request = m.BillPaymentRequest(
            biller=m.BillPaymentRequestBiller(billerCode=BILLER, countryCode=COUNTRY),
            bill=m.BillPaymentRequestBill(reference="10170476767676", amount="111.00", currency="KES"),
            payer=m.BillPaymentRequestPayer(name="A. N Other", account="101704", reference=ref, mobileNumber="0764555320"),
            partnerId=FUNDING_ACCOUNT,
            remarks="v3 SDK compatibility test",
        )
        signed(signer.sign(BILLER, "111.00", ref, FUNDING_ACCOUNT))
        result = api.v3_apis_transaction_api_v30_bills_pay_post(request)
        ensure(result.status is True and result.code == 0, f"status {result.status!r} code {result.code!r}")
        ensure(result.reference in (None, ref), f"reference {result.reference!r}, sent {ref!r}")
        ensure(result.data is not None and result.data.status == "SUCCESS", f"data {result.data!r}")
        return f"ref {ref}: transactionId {result.data.transaction_id!r}"

    report.check(f"{p}: v3_apis_transaction_api_v30_bills_pay_post", bill_payment)

    def bill_validation() -> str:
        request = m.BillValidationRequest(billerCode=BILLER, customerRefNumber="28055948", amount="1000.00", amountCurrency="KES")
        signed(signer.sign(BILLER, "1000.00", "KES"))  # the doc's formula; the sandbox needs none
        result = api.v3_apis_transaction_api_v30_bills_validation_post(request)
        ensure(result.status is True and result.code == 0, f"status {result.status!r} code {result.code!r}")
        ensure(result.data and result.data.customer_ref_number == "28055948" and result.data.status is True, f"data {result.data!r}")
        return f"{result.data.name!r}, billStatus {result.data.bill_status!r}, amount {result.data.amount!r}"

    report.check(f"{p}: v3_apis_transaction_api_v30_bills_validation_post", bill_validation)

    def merchants() -> str:
        result = api.v3_apis_transaction_api_v30_merchants_get(per_page=10, page=1)
        ensure(result.merchants, "no merchants")
        tills = {x.tillnumber for x in result.merchants}
        ensure(tills <= fx.tills, f"tills {sorted(map(str, tills))} not from the fixture")
        return f"{len(result.merchants)} merchants, first {result.merchants[0].name!r} till {result.merchants[0].tillnumber!r}"

    report.check(f"{p}: v3_apis_transaction_api_v30_merchants_get", merchants)

    def imt_within_equity() -> str:
        ref = new_reference()
        request = m.IMTWithinEquityRequest(
            source=m.IMTWithinEquityRequestSource(countryCode=COUNTRY, name=fx.name(FUNDING_ACCOUNT), accountNumber=FUNDING_ACCOUNT),
            sender=m.IMTWithinEquityRequestSender(**SENDER),
            destination=m.IMTWithinEquityRequestDestination(
                type="bank",
                countryCode=COUNTRY,
                name=fx.name(OTHER_ACCOUNT),
                bankCode="68",
                accountNumber=OTHER_ACCOUNT,
                **RECIPIENT_DOCUMENTS,
            ),
            transfer=m.IMTWithinEquityRequestTransfer(
                type="InternalFundsTransfer",
                amount="250.00",
                currencyCode="KES",
                reference=ref,
                date=dt.date.fromisoformat(today()),
                description="v3 SDK compatibility test",
            ),
        )
        signed(signer.sign(FUNDING_ACCOUNT, "250.00", "KES", ref))
        result = api.v3_apis_transaction_api_v30_remittance_internal_bank_transfer_imt_post(request)
        ensure(result.status is True and result.code == 0, f"status {result.status!r} code {result.code!r}")
        ensure(result.data is not None and result.data.status == "SUCCESS", f"data {result.data!r}")
        state["imt_ref"] = ref
        return f"ref {ref}: transactionId {result.data.transaction_id!r}"

    report.check(f"{p}: v3_apis_transaction_api_v30_remittance_internal_bank_transfer_imt_post", imt_within_equity)

    def transaction() -> str:
        ensure("imt_ref" in state, "no known reference: the IMT transfer above failed")
        ref = state["imt_ref"]
        # Not a SignatureAuth operation in this SDK: it sends no Signature header.
        result = api.v3_apis_transaction_api_v30_transaction_transaction_id_get(ref)
        ensure(result.status is True and result.code == "0", f"status {result.status!r} code {result.code!r}")
        ensure(result.data is not None and result.data.state_code == 2, f"data {result.data!r}")
        return f"ref {ref}: {clip(result.to_dict(), 200)}"

    report.check(f"{p}: v3_apis_transaction_api_v30_transaction_transaction_id_get (unsigned)", transaction)

    def wallet_stk() -> str:
        order = "OR" + new_reference()
        sink = f"openapi-wallet-{order}"
        msisdn = "254716730442"
        request = m.MPesaStkPushRequest(
            order=m.MPesaStkPushRequestOrder(
                orderReference=order,
                orderAmount=100,
                orderCurrency="KES",
                source="APICHECKOUT",
                countryCode=COUNTRY,
                description="v3 SDK compatibility test",
            ),
            customer=m.MPesaStkPushRequestCustomer(
                name="John Doe", email="john.doe@example.com", phoneNumber=msisdn, identityNumber=IDENTITY[1]
            ),
            payment=m.MPesaStkPushRequestPayment(
                paymentReference="PAY" + new_reference(),
                paymentCurrency="KES",
                channel="MOBILE",
                service="MPESA",
                provider="JENGA",
                callbackUrl=sandbox.sink_url(sink),
                details=m.MPesaStkPushRequestPaymentDetails(msisdn=msisdn, paymentAmount=100),
            ),
        )
        # The JSON number 100 is signed as its text, "100".
        signed(signer.sign(order, "KES", msisdn, "100"))
        result = api.api_checkout_mpesa_stk_push_v30_init_post(request)
        ensure(result.status is True and result.code == "0", f"status {result.status!r} code {result.code!r}: {result.message!r}")
        ensure(result.data and result.data.order and result.data.order.order_reference == order, f"data {result.data!r}")
        body = callback_for(sandbox, sink, "customer.reference", order)
        callback = m.MPesaCallbackResponse.from_dict(body)  # the SDK's own IPN model
        ensure(callback.transaction and callback.transaction.status == "SUCCESS", f"callback {clip(body)}")
        state["order"] = order
        return f"order {order}: {result.message!r}; callback {callback.callback_type} {callback.transaction.status} {callback.transaction.reference!r}"

    report.check(f"{p}: api_checkout_mpesa_stk_push_v30_init_post (callback to the sink)", wallet_stk)

    def order_status() -> str:
        ensure("order" in state, "no known order: the wallet STK push above failed")
        signed(None)  # documented without a signature
        result = api.api_checkout_mpesa_stk_push_v30_status_order_reference_get(state["order"])
        ensure(result.status is True and result.code == "0", f"status {result.status!r} code {result.code!r}")
        order = result.data.order if result.data else None
        ensure(order is not None and order.order_reference == state["order"], f"data {result.data!r}")
        ensure(order.order_status == "Paid", f"orderStatus {order.order_status!r} after the success callback")
        return f"order {order.order_reference}: {order.order_status}, paid {order.amount_paid}"

    report.check(f"{p}: api_checkout_mpesa_stk_push_v30_status_order_reference_get", order_status)

    def payment_link() -> str:
        external = "LINK" + new_reference()
        expiry = (dt.date.fromisoformat(today()) + dt.timedelta(days=7)).isoformat()
        request = m.PaymentLinkRequest(
            customers=[
                m.PaymentLinkRequestCustomersInner(
                    firstName="John", lastName="Doe", email="john.doe@example.com", phoneNumber="0722000000", countryCode=COUNTRY
                )
            ],
            paymentLink=m.PaymentLinkRequestPaymentLink(
                expiryDate=dt.date.fromisoformat(expiry),
                saleDate=dt.date.fromisoformat(today()),
                saleType="SERVICE",
                paymentLinkType="SINGLE",
                name="Annual subscription",
                description="v3 SDK compatibility test",
                externalRef=external,
                amountOption="RESTRICTED",
                amount=1500,
                currency="KES",
            ),
            notifications=["EMAIL", "SMS"],
        )
        signed(signer.sign(expiry, "1500", "KES", "RESTRICTED", external))
        result = api.api_checkout_api_v1_create_payment_link_post(request)
        ensure(result.status is True, f"status {result.status!r} code {result.code!r}: {result.message!r}")
        ensure(result.data and result.data.external_ref == external and result.data.payment_link_ref, f"data {result.data!r}")
        return f"externalRef {external}: paymentLinkRef {result.data.payment_link_ref!r}, status {result.data.status!r}"

    report.check(f"{p}: api_checkout_api_v1_create_payment_link_post", payment_link)


# --------------------------------------------------------------------------------------------
# paymentsdks-jenga 0.2.0
# --------------------------------------------------------------------------------------------

PAYMENTSDKS_COVERED = {"from_env", "access_token", "sign", "account_balance", "mini_statement"}
PAYMENTSDKS_CLI = {"account-balance", "mini-statement"}


def check_paymentsdks(report: Report, sandbox: harness.Sandbox, fx: Fixtures, private_key: Path, signer: Signer) -> None:
    import jenga
    import jenga.cli
    import jenga.config

    p = "paymentsdks-jenga"
    # Its settings come from JENGA_* variables; the base URL is fixed to the two Finserve hosts,
    # so the one change is the config's base_url (a frozen dataclass: replaced).
    os.environ.update(
        JENGA_API_KEY=API_KEY,
        JENGA_MERCHANT_CODE=MERCHANT_CODE,
        JENGA_CONSUMER_SECRET=CONSUMER_SECRET,
        JENGA_PRIVATE_KEY=private_key.read_text().strip().replace("\n", "\\n"),  # the \n-escaped .env form
        JENGA_LIVE_MODE="false",
    )
    state: dict[str, Any] = {}

    def coverage() -> str:
        ensure(version_of(p) == SDK_VERSIONS[p], f"{p} {version_of(p)} installed, this test is for {SDK_VERSIONS[p]}")
        public = public_methods(jenga.JengaClient)
        ensure(public == PAYMENTSDKS_COVERED, f"untested {sorted(public - PAYMENTSDKS_COVERED)}, gone {sorted(PAYMENTSDKS_COVERED - public)}")
        parser = jenga.cli.build_parser()
        commands = {c for a in parser._actions if isinstance(a, argparse._SubParsersAction) for c in a.choices}  # noqa: SLF001
        ensure(commands == PAYMENTSDKS_CLI, f"CLI commands {sorted(commands)}, tested {sorted(PAYMENTSDKS_CLI)}")
        return f"JengaClient: {sorted(public)}; CLI: {sorted(commands)}; all exercised below"

    report.check(f"{p}: coverage", coverage)

    def from_env() -> str:
        config = jenga.JengaConfig.from_env()
        ensure(config.base_url == "https://uat.finserve.africa", f"default base_url {config.base_url!r}")
        ensure(config.private_key.startswith("-----BEGIN") and "\n" in config.private_key, "the \\n-escaped key was not normalised")
        state["client"] = jenga.JengaClient(config=dataclasses.replace(config, base_url=sandbox.base))
        return f"config from JENGA_* (UAT base {config.base_url} replaced by {sandbox.base})"

    if not report.check(f"{p}: JengaClient.from_env / JengaConfig.from_env", from_env):
        return
    client = state["client"]

    def access_token() -> str:
        token = client.access_token()
        ensure(isinstance(token, str) and token.count(".") == 2, f"not a JWT: {token!r}")
        return f"JWT of {len(token)} characters"

    report.check(f"{p}: JengaClient.access_token", access_token)

    def sign() -> str:
        got = client.sign(COUNTRY, UAT_ACCOUNT)
        ensure(got == signer.sign(COUNTRY, UAT_ACCOUNT), "differs from RSA-SHA256 PKCS#1 v1.5 with the fixture key")
        return "Base64 RSA-SHA256 PKCS#1 v1.5 over the joined parts (cryptography)"

    report.check(f"{p}: JengaClient.sign", sign)

    def balance_check(result: dict) -> str:
        data = v3_success(result).get("data") or {}
        amounts = {b.get("type"): b.get("amount") for b in data.get("balances", [])}
        ensure(amounts.get("Available") == fx.accounts[UAT_ACCOUNT]["balance"], f"balances {clip(data)}")
        return clip(data, 200)

    def statement_check(result: dict) -> str:
        data = v3_success(result).get("data") or {}
        ensure(data.get("accountNumber") == UAT_ACCOUNT and isinstance(data.get("transactions"), list), f"data {clip(data)}")
        return f"{len(data['transactions'])} transactions, balance {data.get('balance')!r}"

    report.check(f"{p}: JengaClient.account_balance", lambda: balance_check(client.account_balance(COUNTRY, UAT_ACCOUNT)))
    report.check(f"{p}: JengaClient.mini_statement", lambda: statement_check(client.mini_statement(COUNTRY, UAT_ACCOUNT)))

    def cli(command: str, verify: Callable[[dict], str]) -> Callable[[], str]:
        def check() -> str:
            # The CLI builds its config with from_env(), whose base URL is fixed: only that
            # function is pointed at the sandbox.
            original = jenga.config._default_base_url  # noqa: SLF001
            jenga.config._default_base_url = lambda: sandbox.base  # noqa: SLF001
            out, err = io.StringIO(), io.StringIO()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = jenga.cli.main([command, "--country-code", COUNTRY, "--account-id", UAT_ACCOUNT])
            finally:
                jenga.config._default_base_url = original  # noqa: SLF001
            ensure(code == 0, f"exit {code}, stderr {err.getvalue().strip()!r}")
            return f"exit 0; {verify(json.loads(out.getvalue()))}"

        return check

    report.check(f"{p}: CLI account-balance", cli("account-balance", balance_check))
    report.check(f"{p}: CLI mini-statement", cli("mini-statement", statement_check))


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def run_checks(sandbox: harness.Sandbox, private_key: Path) -> Report:
    journal = Journal(sandbox)
    report = Report(before=journal.set_mark, explain=journal.explain)
    signer = Signer(private_key)
    state: dict[str, Fixtures] = {}

    def fixtures() -> str:
        state["fx"] = Fixtures()
        return f"accounts {UAT_ACCOUNT}, {FUNDING_ACCOUNT}, {OTHER_ACCOUNT}, {USD_ACCOUNT}, {STK_ACCOUNT}; biller {BILLER}; till {TILL}; identity {IDENTITY}"

    if not report.check("fixtures", fixtures):
        return report
    fx = state["fx"]
    for name, run in (
        ("python-jengaapi", lambda: check_jengaapi(report, sandbox, fx, private_key, signer)),
        ("jenga-api-client", lambda: check_openapi(report, sandbox, fx, signer)),
        ("paymentsdks-jenga", lambda: check_paymentsdks(report, sandbox, fx, private_key, signer)),
    ):
        try:
            run()
        except ImportError as e:  # not installed: one failure, the other SDKs still run

            def missing(e: ImportError = e) -> str:
                raise CheckFailed(f"{type(e).__name__}: {e} (see .ci/run for the installs)")

            report.check(f"{name}: import", missing)
    return report


def main() -> int:
    args = harness.arguments(__doc__.splitlines()[0], timeout=55.0)
    versions = ", ".join(f"{name} {version_of(name)}" for name in SDK_VERSIONS)
    return harness.run("v3_sdks", args, header=lambda _: versions, checks=run_checks)


if __name__ == "__main__":
    sys.exit(main())
