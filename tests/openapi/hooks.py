"""Schemathesis hooks for the sandbox run (loaded through SCHEMATHESIS_HOOKS by run.py).

* Every call gets the credentials its operation takes: a fresh v3 token for bearer operations
  (fetched per call, as the run also resets the sandbox and moves its clock), the default
  merchant's API key on the token calls, nothing on the admin API. Fuzzed credentials would only
  ever test the 401 answer; valid ones let the requests reach validation and the operations.
* Any URL in a body (callback URLs, above all) is pointed at the sandbox's own sink, so that
  callbacks are delivered on this machine and nowhere else.
"""

from __future__ import annotations

import os
from typing import Any

import requests
import schemathesis

BASE = os.environ["SANDBOX_URL"]
SINK = BASE + "/__sandbox/sink/schemathesis"
# The default merchant (CONTRACT §3).
API_KEY = "SANDBOX-API-KEY"
MERCHANT_CODE = "9999999999"
CONSUMER_SECRET = "sandbox-secret"

V3_TOKEN_PATH = "/authentication/api/v3/authenticate/merchant"


def fresh_token() -> str:
    answer = requests.post(
        BASE + V3_TOKEN_PATH,
        headers={"Api-Key": API_KEY},
        json={"merchantCode": MERCHANT_CODE, "consumerSecret": CONSUMER_SECRET},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["accessToken"]


@schemathesis.auth(refresh_interval=None)
class SandboxCredentials:
    def get(self, case: Any, context: Any) -> str | None:
        path = case.operation.path
        if path.startswith("/__sandbox") or path == V3_TOKEN_PATH or path.endswith("/v2/token"):
            return None
        return fresh_token()

    def set(self, case: Any, token: str | None, context: Any) -> None:
        path = case.operation.path
        case.headers = dict(case.headers or {})
        if path == V3_TOKEN_PATH:
            case.headers["Api-Key"] = API_KEY
        elif path.endswith("/v2/token"):
            case.headers["Authorization"] = "Basic " + API_KEY
        elif token is not None:
            case.headers["Authorization"] = "Bearer " + token


def local_urls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: local_urls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [local_urls(item) for item in value]
    if isinstance(value, str) and "://" in value:
        return SINK
    return value


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    if isinstance(case.body, (dict, list, str)):
        case.body = local_urls(case.body)
