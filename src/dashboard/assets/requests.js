// The requests view: the journal, filtered, and one request whole with its signature verdict.
import { LIST_LIMIT, api, query, showError } from './admin.js';
import { badge, h, pretty, replace, statusClass, time } from './dom.js';
import { refresh, ui } from './live.js';

export const requestsView = {
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
