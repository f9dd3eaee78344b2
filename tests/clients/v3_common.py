"""What the v3 SDK checks share: the default merchant's credentials and fixture data, the
signer, the journal excerpts a FAIL line ends with, and request bodies more than one SDK sends."""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import itertools
import json
import re
import time
from pathlib import Path
from typing import Any

from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15

import sandbox as harness
from sandbox import REPO, ensure, wait_until

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
