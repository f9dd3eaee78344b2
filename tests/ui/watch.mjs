// Keeps the dashboard open on the requests view of a running sandbox for a while, in headless
// Chromium, as a user watching it would: for bench/dashboard.sh --page. Prints one line with
// how many fetches the page made.
//
//   node tests/ui/watch.mjs BASE_URL SECONDS [--chromium /usr/bin/chromium]

import { chromium } from 'playwright-core';

const [base, seconds] = process.argv.slice(2);
const at = process.argv.indexOf('--chromium');
const executablePath = at > 0 ? process.argv[at + 1] : process.env.CHROMIUM || '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  let fetches = 0;
  page.on('request', () => { fetches += 1; });
  await page.goto(`${base}/__sandbox/ui#requests`);
  await page.locator('#live.on').waitFor({ timeout: 15_000 });
  console.log('WATCHING');
  await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
  console.log(`WATCH_RESULT fetches=${fetches} seconds=${seconds}`);
} finally {
  await browser.close();
}
