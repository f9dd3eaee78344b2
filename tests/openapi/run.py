#!/usr/bin/env python3
"""The API description against the real binary: the document served at
``/__sandbox/openapi.json`` equals ``jenga-sandbox openapi``, validates as OpenAPI 3.1
(openapi-spec-validator), and schemathesis finds no answer it does not foresee on any operation:
no server error, every status, content type and body as documented. Unlisted methods and wrong
content types are sent too (schemathesis's coverage phase).

The sandbox runs with --signature-mode off: the hooks give each call valid credentials, and
random Signature values would only ever test the 403 answer.

Exits non-zero when any of it fails; the last line counts the failed checks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from openapi_spec_validator import validate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "clients"))
from sandbox import REPO, Sandbox  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=REPO / "target/debug/jenga-sandbox")
    parser.add_argument("--max-examples", type=int, default=10)
    parser.add_argument("--workers", default="2")
    parser.add_argument("--report", type=Path, help="write schemathesis's JUnit report here")
    parser.add_argument("extra", nargs="*", help="more schemathesis options, after --")
    args = parser.parse_args()

    printed = json.loads(subprocess.run([str(args.binary), "openapi"], check=True, capture_output=True, text=True).stdout)
    sandbox = Sandbox(args.binary, startup_timeout=30, signature_mode="off")
    sandbox.start()
    failed = 0
    try:
        served = requests.get(sandbox.base + "/__sandbox/openapi.json", timeout=10).json()
        # Each names its own server: the one it was fetched from, or the default bind.
        if dict(served, servers=None) != dict(printed, servers=None):
            print("FAIL the served document differs from `jenga-sandbox openapi`")
            failed += 1
        validate(served)
        operations = sum(len(item) for item in served["paths"].values())
        print(f"PASS the document validates: {len(served['paths'])} paths, {operations} operations")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as document:
            json.dump(served, document)
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            document.name,
            "--url",
            sandbox.base,
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            str(args.max_examples),
            "--workers",
            args.workers,
            "--request-timeout",
            "10",
            "--generation-deterministic",
            "--no-color",
            # The dashboard's event stream answers with a stream that lasts as long as its
            # reader; a call that never completes is not what these checks can judge.
            "--exclude-path",
            "/__sandbox/events",
        ]
        if args.report:
            command += ["--report", "junit", "--report-junit-path", str(args.report)]
        command += args.extra
        env = dict(os.environ, SANDBOX_URL=sandbox.base, SCHEMATHESIS_HOOKS="hooks", PYTHONPATH=str(HERE))
        # Run where schemathesis's caches do not land in the work tree.
        with tempfile.TemporaryDirectory() as scratch:
            run = subprocess.run(command, env=env, cwd=scratch)
        if run.returncode != 0:
            print(f"FAIL schemathesis exited with {run.returncode}")
            failed += 1
        else:
            print("PASS schemathesis: no answer the document does not foresee")
    finally:
        sandbox.stop()
    print(f"openapi: {2 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
