// Runs jenga-sandbox for a test file: started on 127.0.0.1 port 0 (a free port, so parallel runs
// never collide), its address read from the first banner line `jenga-sandbox listening on URL`.
// Set JENGA_SANDBOX_BIN to use another binary than the one `cargo build` writes.

import { spawn } from "node:child_process";
import { createPrivateKey, sign as rsaSign } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("../..", import.meta.url));
// A path is taken from the current directory (the sandbox runs in a directory of its own); a bare
// name is looked up on PATH.
const named = process.env.JENGA_SANDBOX_BIN ?? join(repo, "target/debug/jenga-sandbox");
const binary = named.includes(sep) ? resolve(named) : named;
const privateKey = createPrivateKey(readFileSync(join(repo, "fixtures/keys/sandbox-private.pem")));

// Callbacks at once instead of a second later; a held answer is let go after 2 s at most.
const config = "callbacks:\n  first_delay_ms: 0\nmax_hang_ms: 2000\n";

/** Starts the sandbox; resolves to `{ url, stop }` once it listens. */
export async function startSandbox() {
  const dir = mkdtempSync(join(tmpdir(), "jenga-sandbox-"));
  writeFileSync(join(dir, "sandbox.yaml"), config);
  const child = spawn(binary, ["serve", "--bind", "127.0.0.1:0", "--config", "sandbox.yaml"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const lines = createInterface({ input: child.stdout });
  let timer;
  const first = await Promise.race([
    new Promise((resolve) => lines.once("line", resolve)),
    exited.then((code) => `(exited with ${code})`),
    new Promise((resolve) => (timer = setTimeout(resolve, 30_000, "(no banner within 30 s)"))),
  ]);
  clearTimeout(timer);
  const url = first.match(/^jenga-sandbox listening on (http:\/\/\S+)/)?.[1];
  if (!url) {
    child.kill();
    throw new Error(`${binary} did not start: ${first}`);
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Signs a canonical string with the default merchant's test key: RSA PKCS#1 v1.5, SHA-256, Base64. */
export function sign(text) {
  return rsaSign("sha256", Buffer.from(text), privateKey).toString("base64");
}

/** A fresh v3 access token for the default merchant. */
export async function token(url) {
  const answer = await fetch(`${url}/authentication/api/v3/authenticate/merchant`, {
    method: "POST",
    headers: { "Api-Key": "SANDBOX-API-KEY", "Content-Type": "application/json" },
    body: JSON.stringify({ merchantCode: "9999999999", consumerSecret: "sandbox-secret" }),
  });
  if (!answer.ok) throw new Error(`token: ${answer.status} ${await answer.text()}`);
  return (await answer.json()).accessToken;
}
