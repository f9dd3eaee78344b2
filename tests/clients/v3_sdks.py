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

import sys
from pathlib import Path

import sandbox as harness
from sandbox import CheckFailed, Report

from v3_common import (
    BILLER,
    FUNDING_ACCOUNT,
    Fixtures,
    IDENTITY,
    Journal,
    OTHER_ACCOUNT,
    SDK_VERSIONS,
    STK_ACCOUNT,
    Signer,
    TILL,
    UAT_ACCOUNT,
    USD_ACCOUNT,
    version_of,
)
from v3_jengaapi import check_jengaapi
from v3_openapi import check_openapi
from v3_paymentsdks import check_paymentsdks


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
