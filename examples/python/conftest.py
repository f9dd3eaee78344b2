"""A pytest fixture that runs jenga-sandbox for the test session.

The binary is started on 127.0.0.1 port 0 (a free port, so parallel runs never collide) and its
address is read from the first line of its start banner, ``jenga-sandbox listening on URL``.
Every test starts from a reset sandbox. Set ``JENGA_SANDBOX_BIN`` to use another binary than the
one ``cargo build`` writes.
"""

import base64
import os
import re
import select
import subprocess
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

REPO = Path(__file__).resolve().parents[2]
# A path is taken from the current directory (the sandbox runs in a directory of its own); a bare
# name is looked up on PATH.
BINARY = os.environ.get("JENGA_SANDBOX_BIN", str(REPO / "target/debug/jenga-sandbox"))
if os.sep in BINARY:
    BINARY = os.path.abspath(BINARY)
PRIVATE_KEY = REPO / "fixtures/keys/sandbox-private.pem"

# Callbacks at once instead of a second later; a held answer is let go after 2 s at most.
CONFIG = """\
callbacks:
  first_delay_ms: 0
max_hang_ms: 2000
"""


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """The base URL of a running sandbox, such as ``http://127.0.0.1:41234``."""
    workdir = tmp_path_factory.mktemp("sandbox")
    (workdir / "sandbox.yaml").write_text(CONFIG)
    proc = subprocess.Popen(
        [BINARY, "serve", "--bind", "127.0.0.1:0", "--config", "sandbox.yaml"],
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        first = proc.stdout.readline() if ready else ""
        match = re.match(r"jenga-sandbox listening on (http://\S+)", first)
        assert match, f"no banner from {BINARY} within 30 s (got {first!r}, exit code {proc.poll()})"
        yield match[1]
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.fixture(autouse=True)
def fresh(sandbox):
    requests.post(f"{sandbox}/__sandbox/reset", timeout=5).raise_for_status()


@pytest.fixture(scope="session")
def token(sandbox):
    """Returns a fresh v3 access token for the default merchant."""

    def fetch():
        answer = requests.post(
            f"{sandbox}/authentication/api/v3/authenticate/merchant",
            headers={"Api-Key": "SANDBOX-API-KEY"},
            json={"merchantCode": "9999999999", "consumerSecret": "sandbox-secret"},
            timeout=5,
        )
        answer.raise_for_status()
        return answer.json()["accessToken"]

    return fetch


@pytest.fixture(scope="session")
def sign():
    """Signs a canonical string with the default merchant's test key: RSA PKCS#1 v1.5, SHA-256, Base64."""
    key = serialization.load_pem_private_key(PRIVATE_KEY.read_bytes(), password=None)

    def signature(text):
        return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()

    return signature
