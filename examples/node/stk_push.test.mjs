// Token, a signed STK push, its callback, a failure on demand and network faults.

import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { sign, startSandbox, token } from "./sandbox.mjs";

const STK = "/v3-apis/payment-api/v3.0/stkussdpush/initiate";
let sandbox;

before(async () => {
  sandbox = await startSandbox();
});
after(() => sandbox?.stop());
beforeEach(async () => {
  assert.equal((await fetch(`${sandbox.url}/__sandbox/reset`, { method: "POST" })).status, 200);
});

const stkBody = (ref, sink) => ({
  merchant: { accountNumber: "0170194290581", countryCode: "KE", name: "Sportify Ltd" },
  payment: {
    ref, amount: "5.00", currency: "KES", telco: "Equitel", mobileNumber: "254764555291",
    date: "2024-08-13", pushType: "STK", callBackUrl: `${sandbox.url}/__sandbox/sink/${sink}`,
  },
});

// The STK push signs merchant.accountNumber+payment.ref+mobileNumber+telco+amount+currency, joined with nothing.
const stkCanonical = ({ merchant, payment: p }) =>
  merchant.accountNumber + p.ref + p.mobileNumber + p.telco + p.amount + p.currency;

async function push(body, { scenario, timeoutMs } = {}) {
  const headers = {
    Authorization: `Bearer ${await token(sandbox.url)}`,
    Signature: sign(stkCanonical(body)),
    "Content-Type": "application/json",
  };
  if (scenario) headers["X-Sandbox-Scenario"] = scenario;
  const signal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
  return fetch(sandbox.url + STK, { method: "POST", headers, body: JSON.stringify(body), signal });
}

// The callbacks the sink received, once `count` are there (the sandbox answers as soon as they are).
async function callbacks(sink, count = 1) {
  const answer = await fetch(`${sandbox.url}/__sandbox/sink/${sink}?wait_ms=5000&count=${count}`);
  assert.equal(answer.headers.get("x-sandbox-wait"), "satisfied");
  return (await answer.json()).map((entry) => entry.body);
}

test("a token is issued for the default merchant", async () => {
  assert.equal((await token(sandbox.url)).split(".").length, 3, "a v3 token is a JWT");
});

test("a signed push is acknowledged and called back", async () => {
  const answer = await push(stkBody("NODEPUSH0001", "node-push"));
  assert.equal(answer.status, 200);
  assert.equal((await answer.json()).code, -1);
  const [callback] = await callbacks("node-push");
  assert.deepEqual([callback.code, callback.message], [3, "Successful"]);
});

test("insufficient funds on demand, by header", async () => {
  const answer = await push(stkBody("NODEFUNDS001", "node-funds"), { scenario: "insufficient-funds" });
  assert.equal(answer.headers.get("x-sandbox-scenario"), "insufficient-funds");
  const [callback] = await callbacks("node-funds");
  assert.deepEqual([callback.code, callback.message], [1, "InsufficientFund"]);
});

test("insufficient funds armed for the next push only", async () => {
  const arm = await fetch(`${sandbox.url}/__sandbox/scenarios/arm`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ scenario: "insufficient-funds", operation: "stk_push", times: 1 }),
  });
  assert.equal(arm.status, 201);
  for (const ref of ["NODEARMED001", "NODEARMED002"]) {
    assert.equal((await push(stkBody(ref, "node-armed"))).status, 200);
  }
  const messages = Object.fromEntries((await callbacks("node-armed", 2)).map((c) => [c.transactionReference, c.message]));
  assert.deepEqual(messages, { NODEARMED001: "InsufficientFund", NODEARMED002: "Successful" });
});

test("a reset connection reaches the client as a failed fetch", async () => {
  await assert.rejects(push(stkBody("NODERESET001", "node-reset"), { scenario: "fault:reset" }), {
    name: "TypeError",
    message: "fetch failed",
  });
});

test("a hanging answer reaches the client as its own timeout", async () => {
  await assert.rejects(push(stkBody("NODEHANG0001", "node-hang"), { scenario: "fault:hang", timeoutMs: 300 }), {
    name: "TimeoutError",
  });
});
