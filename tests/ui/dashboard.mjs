// The dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core, against
// the built binary on a free port. It opens /__sandbox/ui, makes a signed STK push over HTTP and
// sees it appear without a reload, opens a refused push and reads the expected canonical string,
// presses Redeliver and sees a new attempt, sees the balance chart, and visits every view. The
// page must log no console error and send no request anywhere but the sandbox on 127.0.0.1.
// Screenshots go to target/ui-screenshots/.
//
//   node tests/ui/dashboard.mjs [--binary target/debug/jenga-sandbox] [--chromium /usr/bin/chromium]

import { spawn } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const BINARY = resolve(REPO, option('--binary', 'target/debug/jenga-sandbox'));
const CHROMIUM = option('--chromium', process.env.CHROMIUM || '/usr/bin/chromium');
const SHOTS = join(REPO, 'target/ui-screenshots');
const WAIT = 15_000;

// The default merchant (contract §3) and the fixture key registered for it.
const API_KEY = 'SANDBOX-API-KEY';
const MERCHANT = '9999999999';
const SECRET = 'sandbox-secret';
const ACCOUNT = '0170194290581';
const PRIVATE_KEY = readFileSync(join(REPO, 'fixtures/keys/sandbox-private.pem'), 'utf8');

let passed = 0;
const failures = [];

async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`PASS ${name}`);
  } catch (error) {
    failures.push(name);
    console.log(`FAIL ${name}: ${error.stack || error}`);
    throw error;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// Starts the sandbox on port 0 of `host` and reads the real port from its banner; answers the
// address to reach it on 127.0.0.1.
async function startSandbox(host = '127.0.0.1', env = {}) {
  const child = spawn(BINARY, ['--bind', `${host}:0`], {
    cwd: REPO,
    env: { ...process.env, RUST_LOG: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error('no banner within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code}`)));
    lines.on('line', (line) => {
      const match = /listening on http:\/\/[^\s]+:(\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolvePort(match[1]);
      }
    });
  });
  lines.on('line', () => {}); // keep draining the banner and anything after it
  return { child, base: `http://127.0.0.1:${port}` };
}

function canonical(body) {
  const { merchant, payment } = body;
  return `${merchant.accountNumber}${payment.ref}${payment.mobileNumber}${payment.telco}${payment.amount}${payment.currency}`;
}

function sign(text) {
  return createSign('RSA-SHA256').update(text).sign(PRIVATE_KEY, 'base64');
}

function stkBody(base, reference) {
  return {
    merchant: { accountNumber: ACCOUNT, countryCode: 'KE', name: 'UI Test Ltd' },
    payment: {
      ref: reference, amount: '25.00', currency: 'KES', telco: 'Equitel', mobileNumber: '254700111222',
      date: '2026-01-31', callBackUrl: `${base}/__sandbox/sink/ui`, pushType: 'STK',
    },
  };
}

async function push(base, token, body, signature) {
  const response = await fetch(`${base}/v3-apis/payment-api/v3.0/stkussdpush/initiate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, Signature: signature },
    body: JSON.stringify(body),
  });
  return response.status;
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const { child, base } = await startSandbox();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--disable-default-apps', '--disable-sync', '--disable-extensions',
      '--disable-domain-reliability', '--no-first-run', '--no-pings', '--metrics-recording-only',
      '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication',
    ],
  });
  const outside = [];
  const errors = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
    // Every request the page makes goes through here: only the sandbox on 127.0.0.1 is allowed.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname !== '127.0.0.1') {
        outside.push(url.href);
        return route.abort();
      }
      return route.continue();
    });
    context.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('data:') && new URL(url).hostname !== '127.0.0.1') outside.push(url);
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));

    const token = await (await fetch(`${base}/authentication/api/v3/authenticate/merchant`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Api-Key': API_KEY },
      body: JSON.stringify({ merchantCode: MERCHANT, consumerSecret: SECRET }),
    })).json().then((b) => b.accessToken);
    assert(token, 'a v3 token');

    await check('the page opens and follows the event stream', async () => {
      await page.goto(`${base}/__sandbox/ui`);
      await page.locator('#live.on').waitFor({ timeout: WAIT });
      await page.evaluate(() => { window.notReloaded = true; });
    });

    const good = stkBody(base, 'UITESTPUSH01');
    await check('a signed push appears live, without a reload', async () => {
      assert((await push(base, token, good, sign(canonical(good)))) === 200, 'the signed push is accepted');
      const row = page.locator('#requests-table tr.row', { hasText: 'stk_push' }).filter({ hasText: '200' });
      await row.first().waitFor({ timeout: WAIT });
      assert(await page.evaluate(() => window.notReloaded === true), 'the page was not reloaded');
    });

    const refused = stkBody(base, 'UITESTPUSH02');
    await check('a refused push opens to its expected canonical string', async () => {
      // Signing the JSON body rather than the fields: a common mistake.
      assert((await push(base, token, refused, sign(JSON.stringify(refused)))) === 403, 'the bad signature is refused');
      const row = page.locator('#requests-table tr.row', { hasText: '403' });
      await row.first().waitFor({ timeout: WAIT });
      await row.first().click();
      const expected = page.locator('#request-detail pre.expected');
      await expected.waitFor({ timeout: WAIT });
      const text = await expected.textContent();
      assert(text === canonical(refused), `expected string shown: ${text}`);
      assert((await page.locator('#signature .badge').first().textContent()) === 'refused', 'the verdict says refused');
      await page.screenshot({ path: join(SHOTS, 'requests.png') });
    });

    await check('the request filters narrow the list', async () => {
      await page.selectOption('#filter-status', 'refused');
      await page.locator('#requests-count', { hasText: /^1 of/ }).waitFor({ timeout: WAIT });
      await page.selectOption('#filter-status', '');
    });

    await check('Redeliver sends a callback again and the new attempt appears', async () => {
      await page.click('#tabs button[data-view="callbacks"]');
      const job = page.locator(`.job[data-reference="${good.payment.ref}"]`);
      await job.locator('tr.attempt').first().waitFor({ timeout: WAIT });
      const before = await job.locator('tr.attempt').count();
      await job.getByRole('button', { name: 'Redeliver', exact: true }).click();
      await page.waitForFunction(
        ([selector, count]) => document.querySelectorAll(selector).length > count,
        [`.job[data-reference="${good.payment.ref}"] tr.attempt`, before],
        { timeout: WAIT },
      );
      assert((await job.locator('svg.timeline circle.ok').count()) === before + 1, 'each attempt is on the timeline');
      // Down to the jobs' end: the view is short with one job.
      const box = await page.locator('#jobs').boundingBox();
      await page.screenshot({ path: join(SHOTS, 'callbacks.png'), clip: { x: 0, y: 0, width: 1280, height: Math.min(760, box.y + box.height + 16) } });
    });

    await check('an account shows its balance over time as a chart', async () => {
      await page.click('#tabs button[data-view="accounts"]');
      await page.locator(`.card[data-account="${ACCOUNT}"]`).click();
      // The push's collection settles when its callback says so: a movement, so a step in the line.
      await page.waitForFunction(() => {
        const chart = document.querySelector('#account-detail svg.chart.large');
        return chart && Number(chart.dataset.points) >= 3 && document.querySelector('#statement');
      }, null, { timeout: WAIT });
      const path = await page.locator('#account-detail svg.chart path.balance').getAttribute('d');
      assert(/^M[\d.]+,[\d.]+( H[\d.]+ V[\d.]+)+$/.test(path), `a drawn line: ${path}`);
      await page.screenshot({ path: join(SHOTS, 'accounts.png') });
    });

    await check('transactions are grouped by state', async () => {
      await page.click('#tabs button[data-view="transactions"]');
      await page.locator('[data-state="success"]', { hasText: good.payment.ref }).waitFor({ timeout: WAIT });
      await page.screenshot({ path: join(SHOTS, 'transactions.png') });
    });

    await check('a scenario is armed with the form and disarmed', async () => {
      await page.click('#tabs button[data-view="scenarios"]');
      await page.fill('#arm-form input[name="scenario"]', 'insufficient-funds');
      await page.fill('#arm-form input[name="times"]', '2');
      await page.click('#arm-form button[type="submit"]');
      await page.locator('#armed-table', { hasText: 'insufficient-funds' }).waitFor({ timeout: WAIT });
      await page.screenshot({ path: join(SHOTS, 'scenarios.png') });
      await page.getByRole('button', { name: 'Disarm all' }).click();
      await page.locator('#armed', { hasText: 'Nothing armed.' }).waitFor({ timeout: WAIT });
    });

    await check('the clock advances and freezes', async () => {
      await page.click('#tabs button[data-view="clock"]');
      await page.getByRole('button', { name: 'Freeze' }).click();
      await page.getByRole('button', { name: 'Unfreeze' }).waitFor({ timeout: WAIT });
      const frozenAt = Date.parse(await page.locator('#clock-value').textContent());
      await page.getByRole('button', { name: '+1 h' }).click();
      await page.waitForFunction(
        (before) => Date.parse(document.querySelector('#clock-value').textContent) === before + 3600_000,
        frozenAt,
        { timeout: WAIT },
      );
      await page.screenshot({ path: join(SHOTS, 'clock.png') });
    });

    await check('merchants are listed', async () => {
      await page.click('#tabs button[data-view="merchants"]');
      await page.locator('#merchants td', { hasText: MERCHANT }).first().waitFor({ timeout: WAIT });
      await page.screenshot({ path: join(SHOTS, 'merchants.png') });
    });

    await check('off loopback the page asks for the admin token and then works with it', async () => {
      const token = 'ui-test-admin-token';
      const open = await startSandbox('0.0.0.0', { JENGA_SANDBOX_ADMIN_TOKEN: token });
      try {
        const guarded = await context.newPage();
        guarded.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        guarded.on('pageerror', (error) => errors.push(error.message));
        await guarded.goto(`${open.base}/__sandbox/ui`);
        await guarded.locator('#token-form').waitFor({ state: 'visible', timeout: WAIT });
        assert(await guarded.locator('#view').isHidden(), 'nothing is shown before the token');
        await guarded.fill('#token', token);
        await guarded.click('#token-form button[type="submit"]');
        await guarded.locator('#live.on').waitFor({ timeout: WAIT });
        await guarded.locator('#requests-list .empty, #requests-table').first().waitFor({ timeout: WAIT });
        await guarded.close();
      } finally {
        open.child.kill('SIGTERM');
      }
    });

    await check('no console error and no request off loopback', async () => {
      assert(errors.length === 0, `console errors: ${errors.join(' | ')}`);
      assert(outside.length === 0, `requests off loopback: ${outside.join(', ')}`);
    });
  } finally {
    await browser.close();
    child.kill('SIGTERM');
  }
}

try {
  await main();
} catch (error) {
  // A failed check is reported already; anything else came from the set-up.
  if (!failures.length) {
    failures.push('set-up');
    console.log(`FAIL set-up: ${error.stack || error}`);
  }
}
console.log(`ui: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
