// The sandbox's dashboard: plain JavaScript modules over the admin JSON API, with no build step
// and nothing fetched from anywhere but this sandbox.
import { askForToken, NeedsToken, api, token, useToken } from './admin.js';
import { accountsView } from './accounts.js';
import { callbacksView } from './callbacks.js';
import { listen, readClock, refresh, ui, views } from './live.js';
import { requestsView } from './requests.js';
import { scenariosView } from './scenarios.js';
import { clockView, merchantsView, transactionsView } from './tables.js';

Object.assign(views, {
  requests: requestsView,
  callbacks: callbacksView,
  accounts: accountsView,
  transactions: transactionsView,
  scenarios: scenariosView,
  clock: clockView,
  merchants: merchantsView,
});

const container = () => document.getElementById('view');

function show(view) {
  if (!views[view]) view = 'requests';
  ui.view = view;
  for (const tab of document.querySelectorAll('#tabs button')) tab.classList.toggle('active', tab.dataset.view === view);
  if (location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`);
  views[view].mount(container());
  refresh();
}

document.getElementById('tabs').addEventListener('click', (event) => {
  const view = event.target.dataset && event.target.dataset.view;
  if (view) show(view);
});
window.addEventListener('hashchange', () => show(location.hash.slice(1)));

async function start() {
  // Off loopback the server marks the page: ask for the token before the first call.
  if (document.body.hasAttribute('data-needs-token') && !token) return askForToken('');
  try {
    await readClock();
    ui.merchants = await api('/merchants');
  } catch (error) {
    if (error instanceof NeedsToken) return;
    console.warn(error);
  }
  show(location.hash.slice(1));
  listen();
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  useToken(document.getElementById('token').value.trim());
  document.getElementById('token-form').hidden = true;
  document.getElementById('view').hidden = false;
  start();
});

start();
