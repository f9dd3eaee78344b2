// The smaller views: transactions by state, the clock and the merchants.
import { LIST_LIMIT, api, query, showError } from './admin.js';
import { badge, h, replace, time } from './dom.js';
import { readClock, refresh, ui } from './live.js';
import { stateKind } from './callbacks.js';

export const transactionsView = {
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

export const clockView = {
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

export const merchantsView = {
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
