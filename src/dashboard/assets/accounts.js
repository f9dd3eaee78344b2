// The accounts view: balances, statements and a chart of each balance over time.
import { api, query, showError } from './admin.js';
import { h, replace, svg, time } from './dom.js';
import { refresh, ui } from './live.js';

export const accountsView = {
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
