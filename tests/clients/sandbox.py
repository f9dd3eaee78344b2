"""Shared harness of the client compatibility tests: the sandbox process, checks and the run.

``run(...)`` starts ``target/debug/jenga-sandbox serve --bind 127.0.0.1:0 --signature-mode
strict`` (its address read from the ``jenga-sandbox listening on`` line, then waited for on
``/__sandbox/health``), arms a watchdog that kills the server after ``--timeout`` seconds
(published clients set no HTTP timeouts, so a hung server would hang the test; killed, every
pending and later request fails fast), runs the checks, stops the server and returns the exit
code: 0 when every check passed, 1 when one failed, 2 when the sandbox did not start.

Each check prints one ``PASS``/``FAIL`` line; the run ends with ``N/M checks passed in Xs`` and
``NAME: N passed, N failed``.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import requests

REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------------------------
# The sandbox process
# --------------------------------------------------------------------------------------------


class Sandbox:
    """The sandbox binary on 127.0.0.1:0, its address read from its first stdout line."""

    def __init__(self, binary: Path, startup_timeout: float, signature_mode: str = "strict") -> None:
        self.binary = binary
        self.signature_mode = signature_mode
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.base = ""
        self.stdout_lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_file = tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace")

    def start(self) -> None:
        # A clean environment: no JENGA_SANDBOX_* from the caller changes what is tested.
        env = {k: v for k, v in os.environ.items() if not k.startswith("JENGA_SANDBOX_")}
        self.proc = subprocess.Popen(
            [str(self.binary), "serve", "--bind", "127.0.0.1:0", "--signature-mode", self.signature_mode],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        prefix = "jenga-sandbox listening on "
        while not self.base:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"no '{prefix}ADDR' line within {self.startup_timeout}s{self._logs()}")
            try:
                line = self.stdout_lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"sandbox exited with {self.proc.wait()} before listening{self._logs()}")
            if line.startswith(prefix):
                address = line[len(prefix) :].strip()
                self.base = address if "://" in address else "http://" + address
        self._wait_healthy(deadline)

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:  # keeps reading so the server never blocks on a full pipe
            self.stdout_lines.put(line)
        self.stdout_lines.put(None)

    def _wait_healthy(self, deadline: float) -> None:
        url = self.base + "/__sandbox/health"
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"sandbox exited with {self.proc.returncode}{self._logs()}")
            try:
                r = requests.get(url, timeout=1)
                if r.status_code == 200 and r.json().get("status") == "ok":
                    return
                last = f"HTTP {r.status_code} {r.text[:200]}"
            except (requests.RequestException, ValueError) as e:
                last = repr(e)
            time.sleep(0.05)  # poll interval of the wait-until loop
        raise RuntimeError(f"{url} not healthy before the deadline: {last}{self._logs()}")

    def _logs(self) -> str:
        self.stderr_file.seek(0)
        tail = self.stderr_file.read()[-2000:]
        return f"\n--- sandbox stderr (tail) ---\n{tail}" if tail else ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    # -- the admin API (CONTRACT §6, §7) ------------------------------------------------------

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        r = requests.request(method, self.base + "/__sandbox" + path, timeout=5, **kwargs)
        r.raise_for_status()
        return r.json() if r.content else None

    def journal(self, limit: int = 50) -> list[dict]:
        """The request journal, newest first."""
        return self.admin("GET", f"/requests?limit={limit}")

    def sink(self, name: str) -> list[dict]:
        """What arrived at the built-in callback sink NAME, newest first."""
        return self.admin("GET", f"/sink/{name}")

    def sink_url(self, name: str) -> str:
        return f"{self.base}/__sandbox/sink/{name}"


def wait_until(probe: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll `probe` until it returns something truthy; CheckFailed naming `what` at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise CheckFailed(f"{what}: nothing within {timeout:g}s")
        time.sleep(interval)


# --------------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------------


class CheckFailed(Exception):
    pass


def ensure(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Report:
    """One PASS/FAIL line per check.

    `before` runs ahead of each check (to reset or mark what the check will send); `explain`
    is appended to a FAIL line (what was sent and answered)."""

    def __init__(self, before: Callable[[], None] | None = None, explain: Callable[[], str] | None = None) -> None:
        self.results: list[tuple[str, bool, str]] = []
        self.before = before or (lambda: None)
        self.explain = explain or (lambda: "")

    def check(self, name: str, fn: Callable[[], str | None]) -> bool:
        self.before()
        try:
            detail = fn() or ""
            ok = True
        except CheckFailed as e:
            ok, detail = False, f"{e}{self._explain()}"
        except Exception as e:  # anything unexpected is a failure of this check, not of the run
            where = traceback.extract_tb(e.__traceback__)[-1]
            message = " ".join(str(e).split())  # one line, whatever the exception's layout
            detail = f"unexpected {type(e).__name__}: {message} (at {Path(where.filename).name}:{where.lineno}){self._explain()}"
            ok = False
        self.results.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
        return ok

    def _explain(self) -> str:
        try:
            text = self.explain()
        except Exception as e:  # the explanation must never hide the failure itself
            text = f"(no explanation: {type(e).__name__}: {e})"
        return f" | {text}" if text else ""

    @property
    def failed(self) -> list[str]:
        return [name for name, ok, _ in self.results if not ok]


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------


def arguments(description: str, timeout: float) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--binary", default="target/debug/jenga-sandbox", help="the sandbox binary (relative to the repository)")
    parser.add_argument("--private-key", default="fixtures/keys/sandbox-private.pem", help="the default merchant's private key")
    parser.add_argument("--timeout", type=float, default=timeout, help="seconds before the server is killed and the run fails")
    return parser.parse_args()


def run(name: str, args: argparse.Namespace, header: Callable[[Sandbox], str], checks: Callable[[Sandbox, Path], Report]) -> int:
    binary = (REPO / args.binary).resolve()
    private_key = (REPO / args.private_key).resolve()
    if not binary.is_file():
        print(f"FAIL  setup: no sandbox binary at {binary} (cargo build --locked)", flush=True)
        return 2

    # SIGTERM (a CI cancel) unwinds through `finally`, so the server is always stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    sandbox = Sandbox(binary, startup_timeout=15.0)

    def expire() -> None:
        print(f"watchdog: {args.timeout}s elapsed, killing the sandbox", flush=True)
        sandbox.stop()

    watchdog = threading.Timer(args.timeout, expire)
    watchdog.daemon = True
    watchdog.start()
    try:
        try:
            sandbox.start()
        except RuntimeError as e:
            print(f"FAIL  setup: {e}", flush=True)
            return 2
        print(f"sandbox at {sandbox.base} (pid {sandbox.proc.pid}); {header(sandbox)}", flush=True)
        report = checks(sandbox, private_key)
    finally:
        watchdog.cancel()
        sandbox.stop()

    total = len(report.results)
    failed = report.failed
    print(f"{total - len(failed)}/{total} checks passed in {time.monotonic() - started:.1f}s", flush=True)
    if failed:
        print("failed: " + "; ".join(failed), flush=True)
    print(f"{name}: {total - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0
