// The callbacks view: each job with its attempts on a timeline, and redelivery.
import { LIST_LIMIT, NeedsToken, api, query, showError } from './admin.js';
import { badge, h, replace, statusClass, svg, time } from './dom.js';
import { refresh } from './live.js';

export const callbacksView = {
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

export function stateKind(state) {
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
