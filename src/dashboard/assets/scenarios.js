// The scenarios view: what is loaded, what is armed, and a form to arm one.
import { NeedsToken, api, showError } from './admin.js';
import { h, replace } from './dom.js';
import { refresh, ui } from './live.js';

export const scenariosView = {
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
