// The sandbox's dashboard: plain JavaScript over the admin JSON API, with no build step and
// nothing fetched from anywhere but this sandbox. /__sandbox/events says which views changed;
// the page then fetches them again.
'use strict';

const BASE = '/__sandbox';
// An XML namespace name, needed to create SVG elements; never fetched.
const SVG_NS = 'http://www.w3.org/2000/svg';
const TOKEN_KEY = 'jenga-sandbox-admin-token';
const LIST_LIMIT = 200;

let token = sessionStorage.getItem(TOKEN_KEY) || '';
const ui = {
  view: 'requests',
  requests: [],
  selectedRequest: null,
  selectedAccount: null,
  filters: { merchant: '', operation: '', status: '' },
  merchants: [],
  clock: null,
  clockReadAt: 0,
};

// ---- small helpers

function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(element, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.setAttribute('class', value);
    else if (key === 'value') element.value = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function replace(element, ...children) {
  element.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pretty = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));
const time = (iso) => (iso ? iso.replace('T', ' ').replace('Z', '') : '');
const statusClass = (status) => `status-${String(status || '')[0] || 'x'}`;

class NeedsToken extends Error {}

async function api(path, options = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(BASE + path, { method: options.method || 'GET', headers, body, cache: 'no-store' });
  if (response.status === 401) {
    askForToken(token ? 'That token was refused.' : '');
    throw new NeedsToken();
  }
  const text = await response.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    // not JSON: kept as text
  }
  if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
  return data;
}

function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined);
  return pairs.length ? `?${new URLSearchParams(pairs)}` : '';
}

function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}

function showError(container, error) {
  if (error instanceof NeedsToken) return;
  replace(container, h('p', { class: 'error' }, String(error.message || error)));
}

// ---- access: off loopback the admin API wants the admin token

function askForToken(message) {
  document.getElementById('token-form').hidden = false;
  document.getElementById('view').hidden = true;
  document.getElementById('token-error').textContent = message || '';
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  token = document.getElementById('token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  document.getElementById('token-form').hidden = true;
  document.getElementById('view').hidden = false;
  start();
});

// ---- live updates

const WATCHES = {
  requests: ['requests', 'callbacks', 'transactions'],
  callbacks: ['callbacks'],
  accounts: ['requests', 'transactions', 'clock'],
  transactions: ['transactions', 'clock', 'requests'],
  scenarios: ['requests'],
  clock: ['clock'],
  merchants: [],
};

let listening = false;

async function listen() {
  if (listening) return;
  listening = true;
  try {
    for (;;) {
      try {
        await readEvents();
      } catch (error) {
        if (error instanceof NeedsToken) return;
      }
      setLive(false);
      await sleep(2000);
    }
  } finally {
    listening = false;
  }
}

async function readEvents() {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(`${BASE}/events`, { headers, cache: 'no-store' });
  if (response.status === 401) {
    askForToken('That token was refused.');
    throw new NeedsToken();
  }
  if (!response.ok || !response.body) return;
  setLive(true);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      onEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
}

function onEvent(block) {
  let name = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data += line.slice(5).trim();
  }
  if (name !== 'change') return;
  const views = JSON.parse(data).views || [];
  if (views.includes('clock')) readClock();
  if (views.some((v) => WATCHES[ui.view].includes(v))) refresh();
}

function setLive(on) {
  const live = document.getElementById('live');
  live.className = on ? 'on' : 'off';
  live.textContent = on ? 'live' : 'reconnecting';
}

// One refresh at a time; asks made meanwhile fold into one more.
let refreshing = null;
let refreshAgain = false;

function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      try {
        await VIEWS[ui.view].refresh();
      } catch (error) {
        if (!(error instanceof NeedsToken)) console.warn(error);
      }
    } while (refreshAgain);
    refreshing = null;
  })();
  return refreshing;
}

// ---- the clock in the header

async function readClock() {
  ui.clock = await api('/clock');
  ui.clockReadAt = Date.now();
  showClock();
}

function showClock() {
  if (!ui.clock) return;
  let ms = Date.parse(ui.clock.now);
  if (!ui.clock.frozen) ms += Date.now() - ui.clockReadAt;
  const text = new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  document.getElementById('clock-now').textContent = `${text} UTC${ui.clock.frozen ? ' (frozen)' : ''}`;
}

setInterval(showClock, 1000);

// ---- views

const container = () => document.getElementById('view');

const requestsView = {
  mount(root) {
    const merchant = h('select', { id: 'filter-merchant', onchange: (e) => setFilter('merchant', e.target.value) },
      h('option', { value: '' }, 'all merchants'),
      ui.merchants.map((m) => h('option', { value: m.code }, `${m.code} ${m.name || ''}`)));
    merchant.value = ui.filters.merchant;
    const operation = h('input', { id: 'filter-operation', list: 'operations', placeholder: 'any', value: ui.filters.operation,
      onchange: (e) => setFilter('operation', e.target.value.trim()) });
    const status = h('select', { id: 'filter-status', onchange: (e) => setFilter('status', e.target.value) },
      [['', 'any status'], ['2', '2xx'], ['4', '4xx'], ['5', '5xx'], ['refused', 'signature refused']]
        .map(([value, text]) => h('option', { value }, text)));
    status.value = ui.filters.status;
    replace(root,
      h('div', { class: 'filters' },
        h('label', {}, 'Merchant', merchant),
        h('label', {}, 'Operation', operation, h('datalist', { id: 'operations' })),
        h('label', {}, 'Status', status),
        h('span', { id: 'requests-count', class: 'muted' })),
      h('div', { class: 'split' },
        h('div', { id: 'requests-list' }),
        h('div', { id: 'request-detail', class: 'panel' }, h('p', { class: 'muted' }, 'Choose a request to see it whole.'))));
  },
  async refresh() {
    const list = document.getElementById('requests-list');
    const { merchant, operation, status } = ui.filters;
    let entries;
    try {
      entries = await api(`/requests${query({ merchant, operation, limit: LIST_LIMIT })}`);
    } catch (error) {
      return showError(list, error);
    }
    ui.requests = entries;
    const operations = [...new Set(entries.map((e) => e.operation))].sort();
    replace(document.getElementById('operations'), operations.map((o) => h('option', { value: o })));
    const shown = entries.filter((e) => {
      if (status === 'refused') return e.signature && !e.signature.valid;
      return !status || String(e.response.status).startsWith(status);
    });
    document.getElementById('requests-count').textContent = `${shown.length} of the last ${entries.length}`;
    if (!shown.length) return replace(list, h('p', { class: 'empty' }, 'No requests yet.'));
    replace(list, h('table', { id: 'requests-table' },
      h('thead', {}, h('tr', {}, ['Time', 'Operation', 'Request', 'Status', 'Signature', 'Scenario'].map((t) => h('th', {}, t)))),
      h('tbody', {}, shown.map((e) => h('tr', {
        class: `row${e.id === ui.selectedRequest ? ' selected' : ''}`, 'data-id': e.id,
        onclick: () => { ui.selectedRequest = e.id; showRequests(); },
      },
      h('td', {}, time(e.time)),
      h('td', {}, e.operation, e.merchant ? h('div', { class: 'muted' }, e.merchant) : null),
      h('td', {}, `${e.method} ${e.path}`),
      h('td', { class: statusClass(e.response.status) }, e.response.status),
      h('td', {}, verdictBadge(e.signature)),
      h('td', {}, e.scenario))))));
    showRequestDetail();
  },
};

function setFilter(name, value) {
  ui.filters[name] = value;
  refresh();
}

function showRequests() {
  for (const row of document.querySelectorAll('#requests-table tr.row')) {
    row.classList.toggle('selected', row.dataset.id === ui.selectedRequest);
  }
  showRequestDetail();
}

function verdictBadge(signature) {
  if (!signature) return badge('not signed', '');
  if (signature.valid) return badge('valid', 'good');
  return badge(signature.mode === 'strict' ? 'refused' : `invalid (${signature.mode})`, 'bad');
}

function showRequestDetail() {
  const detail = document.getElementById('request-detail');
  const entry = ui.requests.find((e) => e.id === ui.selectedRequest);
  if (!entry) return;
  const signature = entry.signature;
  replace(detail,
    h('h2', {}, `${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ''}`),
    h('dl', { class: 'kv' },
      h('dt', {}, 'id'), h('dd', {}, entry.id),
      h('dt', {}, 'time'), h('dd', {}, time(entry.time)),
      h('dt', {}, 'merchant'), h('dd', {}, entry.merchant || '-'),
      h('dt', {}, 'operation'), h('dd', {}, `${entry.operation} (${entry.generation})`),
      h('dt', {}, 'scenario'), h('dd', {}, `${entry.scenario} (${entry.scenarioSource})`),
      entry.callbacks ? [h('dt', {}, 'callbacks'), h('dd', {}, entry.callbacks.join(', '))] : null),
    h('h3', {}, 'Signature'),
    signature ? h('div', { id: 'signature' },
      h('p', {}, verdictBadge(signature), ' ', h('code', {}, signature.formula)),
      signature.problem ? h('p', { class: 'error' }, signature.problem) : null,
      signature.likelyMistake ? h('p', {}, 'Likely mistake: ', signature.likelyMistake) : null,
      h('div', { class: 'muted' }, signature.valid ? 'The string that was signed' : 'Expected canonical string (sign exactly this)'),
      h('pre', { class: 'expected' }, signature.expected),
      signature.fields ? h('table', {}, h('tbody', {}, signature.fields.map((f) =>
        h('tr', {}, h('td', {}, f.field), h('td', {}, h('code', {}, f.value)))))) : null)
      : h('p', { class: 'muted' }, 'Not checked for this operation.'),
    h('h3', {}, 'Headers'),
    h('table', {}, h('tbody', {}, Object.entries(entry.headers).map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, v))))),
    h('h3', {}, 'Body'),
    h('pre', {}, entry.body === null ? '(empty)' : pretty(entry.body)),
    h('h3', {}, 'Answer'),
    h('p', { class: statusClass(entry.response.status) }, `HTTP ${entry.response.status}`),
    h('pre', { class: 'answer' }, entry.response.body === null ? '(empty)' : pretty(entry.response.body)));
}

const callbacksView = {
  mount(root) {
    replace(root, h('p', { class: 'muted' }, 'Callback jobs, newest first; each attempt on its timeline.'), h('div', { id: 'jobs' }));
  },
  async refresh() {
    const list = document.getElementById('jobs');
    let jobs;
    try {
      jobs = await api(`/callbacks${query({ limit: LIST_LIMIT })}`);
    } catch (error) {
      return showError(list, error);
    }
    if (!jobs.length) return replace(list, h('p', { class: 'empty' }, 'No callbacks yet.'));
    replace(list, jobs.map(job));
  },
};

function stateKind(state) {
  return { delivered: 'good', failed: 'bad', dropped: 'bad', scheduled: 'wait', in_flight: 'wait' }[state] || '';
}

function job(j) {
  return h('div', { class: 'job', 'data-job': j.id, 'data-reference': j.reference },
    h('div', { class: 'job-head' },
      h('strong', {}, j.id),
      badge(j.state, stateKind(j.state)),
      h('span', {}, `${j.operation} · ${j.reference} · step ${j.step} of ${j.steps}`),
      h('span', { class: 'url' }, j.url),
      h('button', { class: 'action redeliver', type: 'button', onclick: () => redeliver(j.id) }, 'Redeliver')),
    timeline(j),
    h('table', { class: 'attempts' },
      h('thead', {}, h('tr', {}, ['#', 'At', 'Status', 'Latency', 'Error or answer'].map((t) => h('th', {}, t)))),
      h('tbody', {}, j.attempts.map((a) => h('tr', { class: 'attempt' },
        h('td', {}, a.number),
        h('td', {}, time(a.at)),
        h('td', { class: statusClass(a.status) }, a.status || '-'),
        h('td', { class: 'num' }, `${a.latencyMs} ms`),
        h('td', {}, a.error || a.responseExcerpt || ''))))));
}

async function redeliver(id) {
  try {
    await api(`/callbacks/${encodeURIComponent(id)}/redeliver`, { method: 'POST' });
  } catch (error) {
    if (!(error instanceof NeedsToken)) alert(error.message);
  }
  refresh();
}

// Labels near an edge are anchored on their inner side, so they stay inside the drawing.
const anchor = (share) => (share > 0.85 ? 'end' : share < 0.15 ? 'start' : 'middle');

// Created, then each attempt, placed by time along one line.
function timeline(j) {
  const width = 1000;
  const start = Date.parse(j.createdAt);
  const points = j.attempts.map((a) => ({ at: Date.parse(a.at), attempt: a }));
  const end = Math.max(start + 1, Date.parse(j.dueAt), ...points.map((p) => p.at));
  const x = (at) => 20 + ((at - start) / (end - start)) * (width - 40);
  return svg('svg', { class: 'timeline', viewBox: `0 0 ${width} 54` },
    svg('line', { x1: 20, y1: 20, x2: width - 20, y2: 20 }),
    svg('circle', { class: 'created', cx: x(start), cy: 20, r: 5 }, svg('title', {}, `queued ${time(j.createdAt)}`)),
    svg('text', { x: x(start), y: 44, 'text-anchor': 'start' }, 'queued'),
    points.map((p, i) => {
      const ok = p.attempt.status >= 200 && p.attempt.status < 300;
      const label = `#${p.attempt.number} ${p.attempt.status || p.attempt.error || '?'} · ${p.attempt.latencyMs} ms`;
      return [
        svg('circle', { class: ok ? 'ok' : 'failed', cx: x(p.at), cy: 20, r: 6 }, svg('title', {}, `${label} at ${time(p.attempt.at)}`)),
        svg('text', { x: x(p.at), y: i % 2 ? 52 : 40, 'text-anchor': anchor(x(p.at) / width) }, label),
      ];
    }));
}

const accountsView = {
  mount(root) {
    replace(root, h('div', { id: 'accounts', class: 'cards' }), h('div', { id: 'account-detail' }));
  },
  async refresh() {
    const cards = document.getElementById('accounts');
    let accounts;
    try {
      accounts = await api('/accounts');
    } catch (error) {
      return showError(cards, error);
    }
    const statements = await Promise.all(accounts.map((a) =>
      api(`/accounts/${encodeURIComponent(a.number)}/statement${query({ merchant: a.merchant })}`).catch(() => null)));
    const key = (a) => `${a.merchant}/${a.number}`;
    if (!ui.selectedAccount && accounts.length) ui.selectedAccount = key(accounts[0]);
    replace(cards, accounts.map((a, i) => h('div', {
      class: `card${key(a) === ui.selectedAccount ? ' selected' : ''}`, 'data-account': a.number,
      onclick: () => { ui.selectedAccount = key(a); refresh(); },
    },
    h('div', { class: 'muted' }, `${a.merchant} · ${a.name}`),
    h('div', {}, a.number),
    h('div', { class: 'balance' }, `${a.currency} ${a.balance ?? '-'}`),
    chart(statements[i], false))));
    const chosen = accounts.findIndex((a) => key(a) === ui.selectedAccount);
    const detail = document.getElementById('account-detail');
    if (chosen < 0 || !statements[chosen]) return replace(detail);
    const statement = statements[chosen];
    replace(detail,
      h('h2', {}, `Account ${statement.number} (${statement.merchant}): ${statement.currency} ${statement.balance}`),
      h('div', { class: 'panel' }, chart(statement, true)),
      h('h3', {}, 'Statement'),
      statement.lines.length ? h('table', { id: 'statement' },
        h('thead', {}, h('tr', {}, ['Time', 'Description', 'Reference', 'Amount', 'Balance after'].map((t) => h('th', {}, t)))),
        h('tbody', {}, statement.lines.slice().reverse().map((l) => h('tr', {},
          h('td', {}, time(l.at)), h('td', {}, l.description), h('td', {}, l.reference),
          h('td', { class: 'num' }, l.amount), h('td', { class: 'num' }, l.balanceAfter)))))
        : h('p', { class: 'empty' }, 'No movements yet: the balance is the fixture balance.'));
  },
};

// The balance over time, as a step line: flat between movements, with a step at each.
function chart(statement, large) {
  const height = large ? 200 : 90;
  const width = 600;
  if (!statement) return svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}` });
  const now = ui.clock ? Date.parse(ui.clock.now) : Date.now();
  const lines = statement.lines;
  const points = [];
  if (lines.length) {
    const first = lines[0];
    points.push([Date.parse(first.at), Number(first.balanceAfter) - Number(first.amount)]);
    for (const l of lines) points.push([Date.parse(l.at), Number(l.balanceAfter)]);
  } else {
    points.push([now - 60000, Number(statement.balance)]);
  }
  points.push([Math.max(now, points[points.length - 1][0] + 1), Number(statement.balance)]);
  const times = points.map((p) => p[0]);
  const values = points.map((p) => p[1]);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  let [low, high] = [Math.min(...values), Math.max(...values)];
  if (low === high) [low, high] = [low - 1, high + 1];
  const pad = { left: 8, right: 8, top: 14, bottom: 14 };
  const x = (t) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right);
  const y = (v) => pad.top + (1 - (v - low) / (high - low)) * (height - pad.top - pad.bottom);
  let d = `M${x(points[0][0]).toFixed(1)},${y(points[0][1]).toFixed(1)}`;
  for (const [t, v] of points.slice(1)) d += ` H${x(t).toFixed(1)} V${y(v).toFixed(1)}`;
  const area = `${d} V${height - pad.bottom} H${x(points[0][0]).toFixed(1)} Z`;
  // The labels are HTML beside the drawing, which stretches to its box and would stretch text too.
  return h('div', { class: 'chart-box' },
    svg('svg', { class: `chart${large ? ' large' : ''}`, viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none',
      'data-points': points.length },
    svg('line', { class: 'axis', x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom }),
    svg('path', { class: 'area', d: area }),
    svg('path', { class: 'balance', d })),
    h('span', { class: 'high' }, high.toFixed(2)),
    h('span', { class: 'low' }, low.toFixed(2)));
}

const transactionsView = {
  mount(root) {
    replace(root, h('div', { id: 'transactions', class: 'columns' }));
  },
  async refresh() {
    const columns = document.getElementById('transactions');
    let transactions;
    try {
      transactions = await api(`/transactions${query({ limit: LIST_LIMIT })}`);
    } catch (error) {
      return showError(columns, error);
    }
    const groups = [['pending', ['pending']], ['success', ['success']], ['failed', ['failed', 'cancelled']]];
    replace(columns, groups.map(([title, states]) => {
      const mine = transactions.filter((t) => states.includes(String(t.state).toLowerCase()));
      return h('div', { class: 'panel', 'data-state': title },
        h('h2', {}, `${title} (${mine.length})`),
        mine.length ? h('table', {}, h('tbody', {}, mine.map((t) => h('tr', {},
          h('td', {}, h('strong', {}, t.reference), h('div', { class: 'muted' }, `${t.serviceName} · ${time(t.createdAt)}`),
            h('div', { class: 'muted' }, t.message)),
          h('td', { class: 'num' }, t.amount),
          h('td', {}, badge(t.state, stateKind(String(t.state).toLowerCase() === 'success' ? 'delivered' : t.state.toLowerCase()))))))) 
          : h('p', { class: 'empty' }, 'None.'));
    }));
  },
};

const scenariosView = {
  mount(root) {
    const merchant = h('select', { name: 'merchant' }, h('option', { value: '' }, 'any merchant'),
      ui.merchants.map((m) => h('option', { value: m.code }, m.code)));
    replace(root,
      h('h2', {}, 'Arm a scenario'),
      h('form', { id: 'arm-form', class: 'inline', onsubmit: arm },
        h('label', {}, 'Scenario', h('input', { name: 'scenario', list: 'scenario-names', required: true, placeholder: 'name or error:CODE' }),
          h('datalist', { id: 'scenario-names' })),
        h('label', {}, 'Times', h('input', { name: 'times', type: 'number', min: 1, placeholder: 'until disarmed' })),
        h('label', {}, 'Operation', h('input', { name: 'operation', placeholder: 'any', list: 'scenario-operations' }),
          h('datalist', { id: 'scenario-operations' })),
        h('label', {}, 'Merchant', merchant),
        h('button', { class: 'action', type: 'submit' }, 'Arm'),
        h('span', { id: 'arm-result' })),
      h('h2', {}, 'Armed ', h('button', { class: 'action', type: 'button', onclick: disarm }, 'Disarm all')),
      h('div', { id: 'armed' }),
      h('h2', {}, 'Loaded ', h('button', { class: 'action', type: 'button', onclick: reload }, 'Reload files')),
      h('div', { id: 'scenarios' }));
  },
  async refresh() {
    const loaded = document.getElementById('scenarios');
    let set;
    try {
      set = await api('/scenarios');
    } catch (error) {
      return showError(loaded, error);
    }
    replace(document.getElementById('scenario-names'), set.scenarios.map((s) => h('option', { value: s.name })));
    const operations = new Set(set.scenarios.flatMap((s) => Object.keys(s.effects || {})));
    replace(document.getElementById('scenario-operations'), [...operations].sort().map((o) => h('option', { value: o })));
    replace(document.getElementById('armed'), set.armed.length
      ? h('table', { id: 'armed-table' },
        h('thead', {}, h('tr', {}, ['Scenario', 'Left', 'Operation', 'Merchant', 'Match'].map((t) => h('th', {}, t)))),
        h('tbody', {}, set.armed.map((a) => h('tr', {},
          h('td', {}, a.scenario), h('td', {}, a.remaining ?? 'until disarmed'), h('td', {}, a.operation || 'any'),
          h('td', {}, a.merchant || 'any'), h('td', {}, h('code', {}, JSON.stringify(a.match)))))))
      : h('p', { class: 'empty' }, 'Nothing armed.'));
    replace(loaded, h('table', {},
      h('thead', {}, h('tr', {}, ['Name', 'Description', 'Operations', 'Defined at'].map((t) => h('th', {}, t)))),
      h('tbody', {}, set.scenarios.map((s) => h('tr', {},
        h('td', {}, h('strong', {}, s.name)), h('td', {}, s.description),
        h('td', {}, Object.keys(s.effects || {}).join(', ')), h('td', { class: 'muted' }, s.origin))))));
  },
};

async function arm(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { scenario: form.get('scenario').trim() };
  if (form.get('times')) body.times = Number(form.get('times'));
  if (form.get('operation').trim()) body.operation = form.get('operation').trim();
  if (form.get('merchant')) body.merchant = form.get('merchant');
  const result = document.getElementById('arm-result');
  try {
    await api('/scenarios/arm', { method: 'POST', json: body });
    result.className = 'muted';
    result.textContent = `armed ${body.scenario}`;
  } catch (error) {
    result.className = 'error';
    result.textContent = error.message;
  }
  refresh();
}

async function disarm() {
  await api('/scenarios/armed', { method: 'DELETE' }).catch(() => {});
  refresh();
}

async function reload() {
  try {
    await api('/scenarios/reload', { method: 'POST' });
  } catch (error) {
    if (!(error instanceof NeedsToken)) alert(error.message);
  }
  refresh();
}

const clockView = {
  mount(root) {
    replace(root,
      h('div', { class: 'panel' },
        h('dl', { class: 'kv', id: 'clock' }),
        h('h3', {}, 'Advance'),
        h('form', { class: 'inline', id: 'advance-form', onsubmit: (e) => { e.preventDefault(); advance(Number(new FormData(e.target).get('seconds'))); } },
          [['+1 min', 60], ['+15 min', 900], ['+1 h', 3600], ['+1 day', 86400]].map(([text, seconds]) =>
            h('button', { class: 'action', type: 'button', onclick: () => advance(seconds) }, text)),
          h('label', {}, 'Seconds', h('input', { name: 'seconds', type: 'number', min: 0, step: 'any', required: true })),
          h('button', { class: 'action', type: 'submit' }, 'Advance')),
        h('h3', {}, 'Freeze'),
        h('div', { id: 'freeze' }),
        h('p', { id: 'clock-error', class: 'error' })));
  },
  async refresh() {
    await readClock();
    const c = ui.clock;
    replace(document.getElementById('clock'),
      h('dt', {}, 'now'), h('dd', { id: 'clock-value' }, c.now),
      h('dt', {}, 'offset'), h('dd', {}, `${c.offsetMs} ms`),
      h('dt', {}, 'frozen'), h('dd', {}, c.frozen ? 'yes' : 'no'));
    replace(document.getElementById('freeze'),
      h('button', { class: 'action', type: 'button', onclick: () => setClock({ frozen: !c.frozen }) }, c.frozen ? 'Unfreeze' : 'Freeze'));
  },
};

async function advance(seconds) {
  try {
    await api('/clock/advance', { method: 'POST', json: { seconds } });
    document.getElementById('clock-error').textContent = '';
  } catch (error) {
    document.getElementById('clock-error').textContent = error.message;
  }
  refresh();
}

async function setClock(body) {
  try {
    await api('/clock', { method: 'PUT', json: body });
  } catch (error) {
    document.getElementById('clock-error').textContent = error.message;
  }
  refresh();
}

const merchantsView = {
  mount(root) {
    replace(root, h('div', { id: 'merchants' }));
  },
  async refresh() {
    const list = document.getElementById('merchants');
    try {
      ui.merchants = await api('/merchants');
    } catch (error) {
      return showError(list, error);
    }
    replace(list, h('table', {},
      h('thead', {}, h('tr', {}, ['Code', 'Name', 'Api-Key', 'Accounts', 'Public key (SHA-256 of SPKI)', 'IPN user', 'Alerts'].map((t) => h('th', {}, t)))),
      h('tbody', {}, ui.merchants.map((m) => h('tr', {},
        h('td', {}, h('strong', {}, m.code)), h('td', {}, m.name), h('td', {}, h('code', {}, m.apiKey)),
        h('td', {}, (m.accounts || []).join(', ')), h('td', { class: 'muted' }, m.publicKeyFingerprint || 'none'),
        h('td', {}, m.ipn || '-'), h('td', {}, m.alerts || '-'))))));
  },
};

const VIEWS = {
  requests: requestsView,
  callbacks: callbacksView,
  accounts: accountsView,
  transactions: transactionsView,
  scenarios: scenariosView,
  clock: clockView,
  merchants: merchantsView,
};

function show(view) {
  if (!VIEWS[view]) view = 'requests';
  ui.view = view;
  for (const tab of document.querySelectorAll('#tabs button')) tab.classList.toggle('active', tab.dataset.view === view);
  if (location.hash !== `#${view}`) history.replaceState(null, '', `#${view}`);
  VIEWS[view].mount(container());
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

start();
