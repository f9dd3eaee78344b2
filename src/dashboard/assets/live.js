// What the page shows and keeps fresh: the shared state, the views, the sandbox clock in the
// header, and /__sandbox/events, which names the views that changed so the page fetches them again.
import { api, askForToken, BASE, NeedsToken, token } from './admin.js';
import { sleep } from './dom.js';

export const ui = {
  view: 'requests',
  requests: [],
  selectedRequest: null,
  selectedAccount: null,
  filters: { merchant: '', operation: '', status: '' },
  merchants: [],
  clock: null,
  clockReadAt: 0,
};

// Each view by name, { mount(root), refresh() }; the page fills it in.
export const views = {};

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

export async function listen() {
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

export function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      try {
        await views[ui.view].refresh();
      } catch (error) {
        if (!(error instanceof NeedsToken)) console.warn(error);
      }
    } while (refreshAgain);
    refreshing = null;
  })();
  return refreshing;
}

// ---- the clock in the header

export async function readClock() {
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
