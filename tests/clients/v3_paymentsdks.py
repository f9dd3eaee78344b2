"""The checks of ``paymentsdks-jenga`` (module ``jenga``), run by v3_sdks.py."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import os
from pathlib import Path
from typing import Any, Callable

import sandbox as harness
from sandbox import Report, ensure

from v3_common import (
    API_KEY,
    CONSUMER_SECRET,
    COUNTRY,
    Fixtures,
    MERCHANT_CODE,
    SDK_VERSIONS,
    Signer,
    UAT_ACCOUNT,
    clip,
    public_methods,
    v3_success,
    version_of,
)


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
