// lockstep dashboard: a dependency-free page that polls the JSON API once a second and
// updates in place (rows are keyed, so focus, scroll and selection survive each refresh).

const POLL_MS = 1000;
const STATES = ['queued', 'scheduled', 'retrying', 'waiting', 'running', 'succeeded', 'dead', 'cancelled'];
const $ = (selector, root = document) => root.querySelector(selector);

const state = {
  overview: null,
  fetchedAt: 0,
  route: { view: 'overview', params: new URLSearchParams() },
  lists: {},
  detail: null,
  failures: 0,
  queues: [],
  /** Job ids ticked in the jobs list (kept across refreshes and pages). */
  selected: new Set(),
};
const PAGE_SIZE = 50;

// ---------- helpers ----------

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

async function api(path, options = {}) {
  const init = { credentials: 'same-origin', headers: { accept: 'application/json' }, ...options };
  // Mutations carry the header the server requires; other sites cannot send it.
  if (init.method === 'POST') init.headers = { ...init.headers, 'x-lockstep-request': '1' };
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(body.error || `${res.status} ${res.statusText}`), { status: res.status });
  return body;
}

function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${String(m % 60).padStart(2, '0')}m` : `${Math.floor(h / 24)}d`;
}

function ago(iso) {
  if (!iso) return '–';
  const diff = Date.now() - new Date(iso).getTime();
  return diff >= 0 ? `${duration(diff)} ago` : `in ${duration(-diff)}`;
}

function when(iso) {
  return iso ? `<span title="${esc(new Date(iso).toLocaleString())}">${esc(ago(iso))}</span>` : '<span class="faint">–</span>';
}

function stateBadge(job) {
  if (job.state === 'running' && job.leaseExpired) return '<span class="badge stuck" title="lease expired: its worker is gone">stuck</span>';
  return `<span class="badge ${esc(job.state)}">${esc(job.state)}</span>`;
}

function progressBar(job) {
  const p = job.progress;
  if (!p) return '<span class="faint">–</span>';
  const pct = p.percent ?? (p.total ? (100 * p.done) / p.total : null);
  const shown = pct === null ? 0 : Math.min(100, Math.max(0, pct));
  const cls = job.state === 'succeeded' ? 'done' : job.state === 'dead' ? 'dead' : '';
  const eta = job.state === 'running' && p.etaSeconds !== null && p.etaSeconds !== undefined ? `ETA ${duration(p.etaSeconds * 1000)}` : '';
  const label = p.total ? `${p.done.toLocaleString()} / ${p.total.toLocaleString()}` : `${p.done.toLocaleString()}`;
  return `<span class="progress" title="${esc(label)}">
    <span class="bar ${cls}" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="${shown.toFixed(1)}" aria-label="progress of job ${esc(job.id)}"><i style="width:${shown.toFixed(2)}%"></i></span>
    <span class="pct">${pct === null ? esc(label) : `${Math.floor(shown)}%`}</span><span class="eta">${esc(eta)}</span></span>`;
}

function actions(job) {
  if (state.overview?.readOnly) return '';
  const buttons = [];
  if (job.state === 'dead' || job.state === 'cancelled' || (job.state === 'running' && job.leaseExpired)) {
    buttons.push(`<button class="act" data-action="retry" data-id="${esc(job.id)}">Retry</button>`);
  }
  if (['queued', 'scheduled', 'retrying', 'waiting', 'running'].includes(job.state)) {
    buttons.push(`<button class="act danger" data-action="cancel" data-id="${esc(job.id)}">Cancel</button>`);
  }
  return `<span class="actions">${buttons.join('')}</span>`;
}

function toast(message, bad = false) {
  const el = $('#toast');
  el.textContent = message;
  el.className = `toast${bad ? ' bad' : ''}`;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 3000);
}

/** Replaces a tbody's rows by key, touching only rows whose HTML changed. */
function syncRows(tbody, items, key, render, extraClass) {
  const existing = new Map([...tbody.children].map((tr) => [tr.dataset.key, tr]));
  let previous = null;
  for (const item of items) {
    const k = String(key(item));
    let tr = existing.get(k);
    const html = render(item);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.key = k;
    }
    existing.delete(k);
    if (tr.dataset.html !== html) {
      tr.innerHTML = html;
      tr.dataset.html = html;
    }
    if (extraClass) extraClass(tr, item);
    const expectedPosition = previous ? previous.nextSibling : tbody.firstChild;
    if (expectedPosition !== tr) tbody.insertBefore(tr, expectedPosition);
    previous = tr;
  }
  for (const tr of existing.values()) tr.remove();
}

// ---------- routing ----------

function parseRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?');
  const view = ['jobs', 'schema', 'migrations', 'workers'].includes(path) ? path : 'overview';
  return { view, params: new URLSearchParams(query) };
}

function setParams(params) {
  const query = params.toString();
  const next = `#/${state.route.view === 'overview' ? '' : state.route.view}${query ? `?${query}` : ''}`;
  if (location.hash !== next) history.replaceState(null, '', next);
  state.route = parseRoute();
}

function onRoute() {
  state.route = parseRoute();
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.nav === state.route.view);
  const view = $('#view');
  view.innerHTML = '';
  for (const flag of ['built', 'wired', 'html']) delete view.dataset[flag];
  view.dataset.view = state.route.view;
  const job = state.route.params.get('job');
  if (job) openDetail(job);
  else closeDetail(false);
  refresh();
}

// ---------- views ----------

function layout(html) {
  const view = $('#view');
  if (!view.dataset.built) {
    view.innerHTML = html;
    view.dataset.built = state.route.view;
  }
  return view;
}

function probesPanel(report) {
  return `<section class="panel" id="health"><header><h2>Health</h2><span class="spacer"></span><span class="pill ${esc(report.status)}">${esc(report.status)}</span></header>
    <div class="probes">${report.probes
      .map((p) => `<div class="probe ${esc(p.status)}" data-probe="${esc(p.name)}"><div class="name"><span>${esc(p.name)}</span><span class="badge ${esc(p.status)}">${esc(p.status)}</span></div><div class="msg">${esc(p.message)}</div></div>`)
      .join('')}</div></section>`;
}

function queueRows(facts) {
  const queues = new Map();
  for (const c of facts.jobs.counts) {
    const q = queues.get(c.queue) ?? { queue: c.queue };
    q[c.state] = (q[c.state] ?? 0) + c.count;
    queues.set(c.queue, q);
  }
  return [...queues.values()].sort((a, b) => a.queue.localeCompare(b.queue));
}

function renderOverview() {
  const { report, facts } = state.overview;
  const view = layout(`
    <div id="health-slot"></div>
    <div class="grid cols-2" style="margin-top:12px">
      <section class="panel"><header><h2>Queues</h2></header>
        <div class="stat-row" id="queue-stats"></div>
        <div class="scroll"><table><thead><tr><th>Queue</th>${STATES.map((s) => `<th class="num">${s}</th>`).join('')}<th class="act-col"></th></tr></thead><tbody id="queues"></tbody></table></div>
        <div class="empty" id="queues-empty" hidden>No jobs yet.</div></section>
      <section class="panel"><header><h2>Schema &amp; migrations</h2></header><div id="schema-summary" class="body"></div></section>
    </div>
    <section class="panel" style="margin-top:12px" id="charts-panel"><header><h2>Throughput and failures, last hour</h2><span class="spacer"></span><span class="faint">per minute, from the queue history</span></header>
      <div id="charts" class="charts"></div><div class="empty" id="charts-empty" hidden>No queue yet.</div></section>
    <section class="panel" style="margin-top:12px"><header><h2>Running</h2><span class="spacer"></span><a href="#/jobs?state=running">all running →</a></header>
      <div class="scroll"><table><thead><tr><th>ID</th><th>Task</th><th>Queue</th><th>Attempt</th><th>Progress</th><th>Started</th></tr></thead><tbody id="running"></tbody></table></div>
      <div class="empty" id="running-empty" hidden>Nothing running.</div></section>
    <section class="panel" style="margin-top:12px"><header><h2>Needs attention: dead and stuck jobs</h2><span class="spacer"></span><a href="#/jobs?state=dead">all dead →</a></header>
      <div class="scroll"><table><thead><tr><th>ID</th><th>Task</th><th class="opt">Queue</th><th>State</th><th class="opt">Attempt</th><th class="opt">Last error</th><th class="opt">When</th><th class="act-col"></th></tr></thead><tbody id="attention"></tbody></table></div>
      <div class="empty" id="attention-empty" hidden>No dead or stuck jobs.</div></section>
    <section class="panel" style="margin-top:12px"><header><h2>Workers</h2><span class="spacer"></span><a href="#/workers">details →</a></header>
      <table><thead><tr><th>Worker</th><th>Queues</th><th>Heartbeat</th><th class="num">Running</th></tr></thead><tbody id="workers-mini"></tbody></table>
      <div class="empty" id="workers-mini-empty" hidden>No worker has registered.</div></section>`);
  $('#health-slot', view).innerHTML = probesPanel(report);
  const queues = queueRows(facts);
  const paused = new Map(state.queues.map((q) => [q.queue, q.paused]));
  for (const q of state.queues) if (!queues.some((x) => x.queue === q.queue)) queues.push({ queue: q.queue });
  syncRows(
    $('#queues'),
    queues,
    (q) => q.queue,
    (q) =>
      `<td><a href="#/jobs?queue=${encodeURIComponent(q.queue)}">${esc(q.queue)}</a>${paused.get(q.queue) ? ' <span class="badge paused">paused</span>' : ''}</td>${STATES.map((s) => `<td class="num"><a href="#/jobs?queue=${encodeURIComponent(q.queue)}&state=${s}">${(q[s] ?? 0).toLocaleString()}</a></td>`).join('')}<td class="act-col">${queueActions(q.queue, paused.get(q.queue))}</td>`,
    (tr, q) => tr.setAttribute('data-queue', q.queue),
  );
  renderCharts();
  const j = facts.jobs;
  const stat = (label, value, title) => `<div class="stat" title="${esc(title)}"><div class="v">${value}</div><div class="l">${label}</div></div>`;
  $('#queue-stats').innerHTML = j.installed
    ? [
        stat('oldest ready job', j.oldestReadyAgeMs === null ? '–' : duration(j.oldestReadyAgeMs), 'queue lag: how long the oldest ready job has waited for a worker'),
        stat('finished / min', (j.finishedLastMinute.succeeded + j.finishedLastMinute.dead + j.finishedLastMinute.cancelled).toLocaleString(), 'jobs that reached a final state in the last minute'),
        stat('failed attempts / min', j.failuresLastMinute.toLocaleString(), 'attempts that failed (retried or dead) in the last minute'),
        stat('dead last hour', j.deadLastHour.toLocaleString(), 'jobs that went dead in the last hour'),
        stat('live workers', j.workers.filter((w) => w.live).length, 'workers with a recent heartbeat'),
      ].join('')
    : '<span class="faint">Jobs tables not installed (lockstep jobs install).</span>';
  $('#queues-empty').hidden = queues.length > 0;
  $('#schema-summary').innerHTML = schemaSummary(state.overview);
  const running = state.lists.running?.jobs ?? [];
  syncRows($('#running'), running, (j) => j.id, (j) => `<td class="mono"><a href="#" data-open="${esc(j.id)}">${esc(j.id)}</a></td><td>${esc(j.task)}</td><td>${esc(j.queue)}</td><td>${j.attempt}/${j.maxAttempts}</td><td>${progressBar(j)}</td><td>${when(j.startedAt)}</td>`, (tr, j) => tr.setAttribute('data-job-id', j.id));
  $('#running-empty').hidden = running.length > 0;
  const attention = [...(state.lists.dead?.jobs ?? []), ...running.filter((j) => j.leaseExpired)];
  syncRows($('#attention'), attention, (j) => j.id, (j) => `<td class="mono"><a href="#" data-open="${esc(j.id)}">${esc(j.id)}</a></td><td>${esc(j.task)}</td><td class="opt">${esc(j.queue)}</td><td>${stateBadge(j)}</td><td class="opt">${j.attempt}/${j.maxAttempts}</td><td class="err opt" title="${esc(j.lastError)}">${esc(j.lastError ?? '')}</td><td class="opt">${when(j.finishedAt ?? j.startedAt)}</td><td class="act-col">${actions(j)}</td>`, (tr, j) => tr.setAttribute('data-job-id', j.id));
  $('#attention-empty').hidden = attention.length > 0;
  const workers = facts.jobs.workers;
  syncRows($('#workers-mini'), workers, (w) => w.id, (w) => `<td><span class="dot ${w.live ? 'ok' : 'bad'}"></span>${esc(w.name)}</td><td>${esc(w.queues.join(', ') || 'all')}</td><td>${heartbeat(w)}</td><td class="num">${w.runningJobs ?? '–'}</td>`);
  $('#workers-mini-empty').hidden = workers.length > 0;
}

function queueActions(queue, paused) {
  if (state.overview?.readOnly) return '';
  return `<span class="actions"><button class="act" data-queue-action="${paused ? 'resume' : 'pause'}" data-queue="${esc(queue)}">${paused ? 'Resume' : 'Pause'}</button></span>`;
}

/** One small bar chart per queue: succeeded per minute (up) and failed attempts (down). */
function renderCharts() {
  const el = $('#charts');
  if (!el) return;
  const html = state.queues
    .map((q) => {
      const h = q.history;
      const top = Math.max(1, ...h.map((p) => p.succeeded));
      const bottom = Math.max(1, ...h.map((p) => p.failed));
      const w = 4;
      const bars = h
        .map((p, i) => {
          const up = Math.round((p.succeeded / top) * 40);
          const down = Math.round((p.failed / bottom) * 20);
          const t = esc(`${new Date(p.minute).toLocaleTimeString()}: ${p.succeeded} succeeded, ${p.failed} failed, ${p.dead} dead`);
          return `<g><title>${t}</title>${up ? `<rect class="ok" x="${i * w}" y="${40 - up}" width="${w - 1}" height="${up}"></rect>` : ''}${down ? `<rect class="bad" x="${i * w}" y="42" width="${w - 1}" height="${down}"></rect>` : ''}</g>`;
        })
        .join('');
      const sum = (k) => h.reduce((n, p) => n + p[k], 0);
      return `<figure class="chart" data-queue="${esc(q.queue)}"><figcaption><b>${esc(q.queue)}</b>${q.paused ? ' <span class="badge paused">paused</span>' : ''}
        <span class="muted"><span class="throughput">${sum('succeeded').toLocaleString()}</span> succeeded · <span class="failures">${sum('failed').toLocaleString()}</span> failed attempts · ${sum('dead').toLocaleString()} dead</span></figcaption>
        <svg viewBox="0 0 ${h.length * w} 62" preserveAspectRatio="none" role="img" aria-label="throughput and failures of queue ${esc(q.queue)}">${bars}<line x1="0" x2="${h.length * w}" y1="41" y2="41"></line></svg></figure>`;
    })
    .join('');
  if (el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
  $('#charts-empty').hidden = state.queues.length > 0;
}

function heartbeat(w) {
  if (w.heartbeatAgeMs === null) return '<span class="faint">never</span>';
  const age = w.heartbeatAgeMs + (Date.now() - state.fetchedAt);
  return `<span class="${w.live ? '' : 'muted'}">${duration(age)} ago</span>`;
}

function schemaSummary({ facts, drift }) {
  const s = facts.schema;
  const m = facts.migrations;
  const schema = !s.configured
    ? '<span class="faint">No schema.sql or migrations folder configured.</span>'
    : s.error
      ? `<span class="badge failing">error</span> ${esc(s.error)}`
      : s.changes.length === 0
        ? `<span class="badge ok">in sync</span> with ${esc(s.expectedSource ?? 'the expected schema')}`
        : `<span class="badge failing">drift</span> <a href="#/schema">${s.changes.length} difference${s.changes.length === 1 ? '' : 's'} in ${drift.length} table${drift.length === 1 ? '' : 's'}</a>`;
  const migrations = !m.configured
    ? '<span class="faint">No migrations folder configured.</span>'
    : m.error
      ? `<span class="badge failing">error</span> ${esc(m.error)}`
      : m.pending.length === 0
        ? `<span class="badge ok">at head</span> ${m.applied.length} applied`
        : `<span class="badge degraded">${m.pending.length} pending</span> <a href="#/migrations">${m.applied.length} applied, ${m.pending.length} to apply</a>`;
  return `<div class="stat-row"><div><div class="l muted">Schema</div><div id="schema-state">${schema}</div></div><div><div class="l muted">Migrations</div><div>${migrations}</div></div></div>`;
}

function renderJobs() {
  const params = state.route.params;
  const view = layout(`
    <section class="panel"><div class="filters">
      <div class="chips" id="state-chips"></div>
      <select id="f-queue" aria-label="queue"><option value="">all queues</option></select>
      <select id="f-task" aria-label="task"><option value="">all tasks</option></select>
      <input type="search" id="f-search" placeholder="Search id, key, task or payload" aria-label="search by id, key, task or payload">
      <span class="spacer" style="flex:1"></span><span class="faint" id="jobs-count"></span>
    </div>
    <div class="bulk" id="bulk"${state.overview?.readOnly ? ' hidden' : ''}>
      <span id="bulk-selected" class="muted">None selected</span>
      <button class="act" data-bulk="retry" data-scope="selected" disabled>Retry selected</button>
      <button class="act danger" data-bulk="cancel" data-scope="selected" disabled>Cancel selected</button>
      <button class="act danger" data-bulk="delete" data-scope="selected" disabled>Delete selected</button>
      <span class="sep"></span>
      <span class="muted" id="bulk-all-label">All matching:</span>
      <button class="act" data-bulk="retry" data-scope="filter">Retry all</button>
      <button class="act danger" data-bulk="cancel" data-scope="filter">Cancel all</button>
      <button class="act danger" data-bulk="delete" data-scope="filter">Delete all</button>
    </div>
    <div class="scroll"><table class="jobs-table"><thead><tr><th class="check"><input type="checkbox" id="select-page" aria-label="select the jobs on this page"></th><th>ID</th><th>Task</th><th class="opt">Queue</th><th>State</th><th class="opt">Attempt</th><th class="opt">Progress</th><th class="opt">Created</th><th class="opt">Run at / finished</th><th class="opt">Key</th><th class="opt">Last error</th><th class="act-col"></th></tr></thead><tbody id="jobs"></tbody></table></div>
    <div class="empty" id="jobs-empty" hidden>No job matches.</div>
    <div class="pager"><button class="act" id="page-prev">← Newer</button><span id="page-info" class="muted"></span><button class="act" id="page-next">Older →</button></div></section>`);
  if (view.dataset.wired !== '1') {
    view.dataset.wired = '1';
    $('#f-search').value = params.get('q') ?? '';
    const update = (name, value) => {
      const next = new URLSearchParams(state.route.params);
      if (value) next.set(name, value);
      else next.delete(name);
      // A new filter starts at the first page, with nothing selected.
      if (name !== 'page') {
        next.delete('page');
        state.selected.clear();
      }
      setParams(next);
      refresh();
    };
    $('#f-queue').addEventListener('change', (e) => update('queue', e.target.value));
    $('#f-task').addEventListener('change', (e) => update('task', e.target.value));
    let timer;
    $('#f-search').addEventListener('input', (e) => {
      clearTimeout(timer);
      timer = setTimeout(() => update('q', e.target.value.trim()), 200);
    });
    $('#state-chips').addEventListener('click', (e) => {
      const chip = e.target.closest('[data-state]');
      if (chip) update('state', chip.dataset.state === state.route.params.get('state') ? '' : chip.dataset.state);
    });
    const page = () => Number(state.route.params.get('page') ?? 1) || 1;
    $('#page-prev').addEventListener('click', () => update('page', page() > 2 ? String(page() - 1) : ''));
    $('#page-next').addEventListener('click', () => update('page', String(page() + 1)));
    $('#select-page').addEventListener('change', (e) => {
      for (const j of state.lists.jobs?.jobs ?? []) {
        if (e.target.checked) state.selected.add(j.id);
        else state.selected.delete(j.id);
      }
      renderJobs();
    });
    $('#jobs').addEventListener('change', (e) => {
      const box = e.target.closest('input[data-select]');
      if (!box) return;
      if (box.checked) state.selected.add(box.dataset.select);
      else state.selected.delete(box.dataset.select);
      renderJobs();
    });
    $('#bulk').addEventListener('click', (e) => {
      const button = e.target.closest('button[data-bulk]');
      if (button) bulk(button.dataset.bulk, button.dataset.scope, button);
    });
  }
  const counts = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const c of state.overview.facts.jobs.counts) counts[c.state] = (counts[c.state] ?? 0) + c.count;
  const current = params.get('state') ?? '';
  $('#state-chips').innerHTML = STATES.map((s) => `<button class="chip${current === s ? ' active' : ''}" data-state="${s}">${s}<span class="n">${counts[s].toLocaleString()}</span></button>`).join('');
  fillSelect($('#f-queue'), [...new Set(state.overview.facts.jobs.counts.map((c) => c.queue))].sort(), params.get('queue'), 'all queues');
  fillSelect($('#f-task'), state.lists.jobs?.tasks ?? [], params.get('task'), 'all tasks');
  const list = state.lists.jobs ?? { jobs: [], total: 0, offset: 0, limit: PAGE_SIZE };
  const jobs = list.jobs;
  const selected = state.detail?.id;
  syncRows($('#jobs'), jobs, (j) => j.id, (j) => `<td class="check"><input type="checkbox" data-select="${esc(j.id)}" aria-label="select job ${esc(j.id)}"${state.selected.has(j.id) ? ' checked' : ''}></td><td class="mono"><a href="#" data-open="${esc(j.id)}">${esc(j.id)}</a></td><td>${esc(j.task)}</td><td class="opt">${esc(j.queue)}</td><td>${stateBadge(j)}</td><td class="opt">${j.attempt}/${j.maxAttempts}</td><td class="opt">${progressBar(j)}</td><td class="opt">${when(j.createdAt)}</td><td class="opt">${when(j.finishedAt ?? j.runAt)}</td><td class="mono opt">${esc(j.key ?? '')}</td><td class="err opt" title="${esc(j.lastError)}">${esc(j.lastError ?? '')}</td><td class="act-col">${actions(j)}</td>`, (tr, j) => {
    tr.setAttribute('data-job-id', j.id);
    tr.classList.add('clickable');
    tr.classList.toggle('selected', j.id === selected);
    const box = tr.querySelector('input[data-select]');
    if (box) box.checked = state.selected.has(j.id);
  });
  $('#jobs-empty').hidden = jobs.length > 0;
  const first = jobs.length ? list.offset + 1 : 0;
  const last = list.offset + jobs.length;
  const total = `${list.total.toLocaleString()}${list.totalCapped ? '+' : ''}`;
  $('#jobs-count').textContent = `${total} matching`;
  $('#page-info').textContent = jobs.length ? `${first.toLocaleString()}–${last.toLocaleString()} of ${total}` : '';
  $('#page-prev').disabled = list.offset === 0;
  $('#page-next').disabled = last >= list.total && !list.totalCapped;
  const pageBox = $('#select-page');
  pageBox.checked = jobs.length > 0 && jobs.every((j) => state.selected.has(j.id));
  $('#bulk-selected').textContent = state.selected.size ? `${state.selected.size.toLocaleString()} selected` : 'None selected';
  for (const b of document.querySelectorAll('#bulk [data-scope=selected]')) b.disabled = state.selected.size === 0;
  $('#bulk-all-label').textContent = `All ${total} matching:`;
}

function jobFilterQuery(p) {
  const q = new URLSearchParams();
  for (const [from, to] of [['state', 'state'], ['queue', 'queue'], ['task', 'task'], ['q', 'search']]) if (p.get(from)) q.set(to, p.get(from));
  return q;
}

async function bulk(action, scope, button) {
  const p = state.route.params;
  const filter = Object.fromEntries(jobFilterQuery(p));
  const body = scope === 'selected' ? { action, ids: [...state.selected] } : { action, filter };
  const what = scope === 'selected' ? `${state.selected.size} selected job(s)` : `every job matching the filter (${(state.lists.jobs?.total ?? 0).toLocaleString()})`;
  if (action === 'delete' && !confirm(`Delete ${what}? Running jobs are kept.`)) return;
  button.disabled = true;
  try {
    const result = await api('/api/jobs/bulk', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    toast(`${action}: ${result.ids.length} job(s) of ${what}`);
    state.selected.clear();
  } catch (error) {
    toast(`Could not ${action} ${what}: ${error.message}`, true);
  } finally {
    button.disabled = false;
    refresh();
  }
}

function fillSelect(select, values, current, label) {
  const html = `<option value="">${label}</option>${values.map((v) => `<option value="${esc(v)}"${v === current ? ' selected' : ''}>${esc(v)}</option>`).join('')}`;
  if (select.dataset.html !== html) {
    select.innerHTML = html;
    select.dataset.html = html;
  }
}

function renderSchema() {
  const { facts, drift } = state.overview;
  const s = facts.schema;
  let body;
  if (!s.configured) body = '<div class="empty">No schema.sql or migrations folder is configured, so there is nothing to compare the database with.</div>';
  else if (s.error) body = `<div class="body"><span class="badge failing">error</span> ${esc(s.error)}</div>`;
  else if (drift.length === 0) body = `<div class="insync"><span class="dot ok"></span>In sync with ${esc(s.expectedSource ?? 'the expected schema')}</div>`;
  else
    body = drift
      .map(
        (group) => `<div class="drift-table" data-table="${esc(group.table)}"><h3>${esc(group.table)}</h3><table><tbody>${group.changes
          .map((c) => `<tr><td class="kind">${esc(c.kind)}</td><td class="wrap">${esc(c.message)}</td><td class="wrap"><pre>${esc(c.fix ?? '')}</pre></td></tr>`)
          .join('')}</tbody></table></div>`,
      )
      .join('');
  const summary = s.configured && !s.error && drift.length > 0 ? `<span class="pill failing">${s.changes.length} difference${s.changes.length === 1 ? '' : 's'}</span>` : '';
  const html = `<section class="panel" id="drift"><header><h2>Schema drift</h2><span class="muted">live database vs ${esc(s.expectedSource ?? 'expected schema')}</span><span class="spacer"></span>${summary}</header>${body}</section>`;
  const view = $('#view');
  if (view.dataset.html !== html) {
    view.innerHTML = html;
    view.dataset.html = html;
  }
}

function renderMigrations() {
  const m = state.overview.facts.migrations;
  const view = layout(`
    <section class="panel"><header><h2>Pending</h2></header>
      <table><thead><tr><th>Version</th><th>Name</th></tr></thead><tbody id="pending"></tbody></table><div class="empty" id="pending-empty" hidden>None: the database is at the newest migration.</div></section>
    <section class="panel" style="margin-top:12px"><header><h2>Applied</h2></header>
      <table><thead><tr><th>Version</th><th>Name</th><th>Applied</th></tr></thead><tbody id="applied"></tbody></table><div class="empty" id="applied-empty" hidden>No migration applied.</div></section>`);
  if (!m.configured) view.innerHTML = '<div class="panel empty">No migrations folder is configured.</div>';
  else if (m.error) view.innerHTML = `<div class="panel body"><span class="badge failing">error</span> ${esc(m.error)}</div>`;
  if (!$('#pending')) return;
  syncRows($('#pending'), m.pending, (x) => x.version, (x) => `<td class="mono">${esc(x.version)}</td><td>${esc(x.name)}</td>`);
  $('#pending-empty').hidden = m.pending.length > 0;
  const applied = [...m.applied].reverse();
  syncRows($('#applied'), applied, (x) => x.version, (x) => `<td class="mono">${esc(x.version)}</td><td>${esc(x.name)}</td><td>${when(x.appliedAt)}</td>`);
  $('#applied-empty').hidden = applied.length > 0;
}

function renderWorkers() {
  const workers = state.overview.facts.jobs.workers;
  layout(`<section class="panel"><header><h2>Workers</h2></header>
    <table><thead><tr><th>Worker</th><th>State</th><th>Queues</th><th>Started</th><th>Heartbeat age</th><th class="num">Running jobs</th></tr></thead><tbody id="workers"></tbody></table>
    <div class="empty" id="workers-empty" hidden>No worker has registered. Start one with lockstep worker --tasks FILE.</div></section>`);
  syncRows($('#workers'), workers, (w) => w.id, (w) => `<td><span class="dot ${w.live ? 'ok' : 'bad'}"></span>${esc(w.name)}</td><td>${w.live ? '<span class="badge ok">live</span>' : '<span class="badge failing">no heartbeat</span>'}</td><td>${esc(w.queues.join(', ') || 'all')}</td><td>${when(w.startedAt)}</td><td>${heartbeat(w)}</td><td class="num">${w.runningJobs ?? '–'}</td>`);
  $('#workers-empty').hidden = workers.length > 0;
}

// ---------- job detail ----------

async function openDetail(id) {
  state.detail = { id, job: null };
  const next = new URLSearchParams(state.route.params);
  next.set('job', id);
  setParams(next);
  await loadDetail();
}

function closeDetail(updateUrl = true) {
  state.detail = null;
  $('#detail').hidden = true;
  if (updateUrl) {
    const next = new URLSearchParams(state.route.params);
    next.delete('job');
    setParams(next);
  }
  for (const tr of document.querySelectorAll('tr.selected')) tr.classList.remove('selected');
}

async function loadDetail() {
  if (!state.detail) return;
  const id = state.detail.id;
  try {
    const { job } = await api(`/api/jobs/${encodeURIComponent(id)}`);
    if (state.detail?.id !== id) return;
    state.detail.job = job;
    renderDetail();
  } catch (error) {
    if (state.detail?.id !== id) return;
    $('#detail').hidden = false;
    $('#detail').innerHTML = `<button class="act close" data-close>Close</button><h1>Job ${esc(id)}</h1><p class="muted">${esc(error.message)}</p>`;
  }
}

function renderDetail() {
  const job = state.detail.job;
  const el = $('#detail');
  const row = (label, value) => `<dt>${label}</dt><dd>${value}</dd>`;
  const html = `<button class="act close" data-close>Close</button>
    <h1>Job <span class="mono">${esc(job.id)}</span> ${stateBadge(job)}</h1>
    <div>${actions(job)}</div>
    <dl>
      ${row('Task', esc(job.task))}${row('Queue', esc(job.queue))}${row('Attempt', `${job.attempt} of ${job.maxAttempts}`)}
      ${row('Progress', progressBar(job))}${row('Key', job.key ? `<span class="mono">${esc(job.key)}</span>` : '<span class="faint">–</span>')}
      ${row('Priority', esc(job.priority ?? 0))}${row('Created', when(job.createdAt))}${row('Run at', when(job.runAt))}
      ${row('Started', when(job.startedAt))}${row('Finished', when(job.finishedAt))}
    </dl>
    ${job.lastError ? `<h2>Last error</h2><pre class="err-text">${esc(job.lastError)}</pre>` : ''}
    <h2>Payload</h2><pre>${esc(JSON.stringify(job.payload, null, 2))}</pre>
    <h2>Attempts</h2>${
      job.attempts.length === 0
        ? '<p class="faint">No attempt yet.</p>'
        : `<table><thead><tr><th>#</th><th>Outcome</th><th>Started</th><th>Took</th><th>Worker</th><th>Error</th></tr></thead><tbody>${job.attempts
            .map((a) => `<tr data-attempt="${a.attempt}"><td>${a.attempt}</td><td><span class="badge ${esc(a.outcome)}">${esc(a.outcome)}</span></td><td><time datetime="${esc(a.startedAt)}">${esc(new Date(a.startedAt).toLocaleTimeString())}</time></td><td class="took">${a.durationMs === null ? 'running' : tookMs(a.durationMs)}</td><td class="mono">${esc(a.worker ?? '')}</td><td class="err wrap">${esc(a.error ?? '')}</td></tr>`)
            .join('')}</tbody></table>`
    }
    ${extraSections(job)}
    <h2>Timeline</h2><ul class="timeline">${job.timeline
      .map((t) => `<li class="${/dead|fail|error|expired/.test(t.event) ? 'bad' : /succeed|complete/.test(t.event) ? 'good' : ''}"><time title="${esc(t.at)}">${esc(new Date(t.at).toLocaleTimeString())}</time><b>${esc(t.event)}</b> <span class="muted">${esc(t.detail ?? '')}</span></li>`)
      .join('')}</ul>`;
  if (el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
  el.hidden = false;
  for (const tr of document.querySelectorAll('tr[data-job-id]')) tr.classList.toggle('selected', tr.dataset.jobId === job.id);
}

function tookMs(ms) {
  return ms < 1000 ? `${ms} ms` : duration(ms);
}

/** Result, logs, steps and children: shown when the job JSON carries them. */
function extraSections(job) {
  const out = [];
  if (job.result !== undefined) out.push(`<section data-section="result"><h2>Result</h2><pre>${esc(JSON.stringify(job.result, null, 2))}</pre></section>`);
  if (Array.isArray(job.steps) && job.steps.length) {
    out.push(`<section data-section="steps"><h2>Steps</h2><table><thead><tr><th>Step</th><th>State</th><th>Took</th></tr></thead><tbody>${job.steps
      .map((st) => `<tr><td class="mono">${esc(st.name ?? st.step ?? '')}</td><td>${esc(st.state ?? st.status ?? (st.error ? 'failed' : 'done'))}</td><td>${st.durationMs !== undefined && st.durationMs !== null ? tookMs(st.durationMs) : st.startedAt && st.finishedAt ? tookMs(new Date(st.finishedAt) - new Date(st.startedAt)) : '–'}</td></tr>`)
      .join('')}</tbody></table></section>`);
  }
  if (Array.isArray(job.children) && job.children.length) {
    out.push(`<section data-section="children"><h2>Children</h2><ul class="children">${job.children
      .map((c) => `<li><a href="#" data-open="${esc(c.id)}" class="mono">${esc(c.id)}</a> ${esc(c.task ?? c.name ?? '')} ${c.state ? `<span class="badge ${esc(c.state)}">${esc(c.state)}</span>` : ''}</li>`)
      .join('')}</ul></section>`);
  }
  if (Array.isArray(job.logs) && job.logs.length) {
    out.push(`<section data-section="logs"><h2>Logs</h2><pre class="logs">${esc(job.logs.map((l) => (typeof l === 'string' ? l : [l.at ? new Date(l.at).toLocaleTimeString() : '', l.level ?? '', l.attempt ? `#${l.attempt}` : '', l.message ?? JSON.stringify(l)].filter(Boolean).join(' '))).join('\n'))}</pre></section>`);
  }
  return out.join('');
}

// ---------- data ----------

async function refresh() {
  clearTimeout(refresh.timer);
  try {
    const view = state.route.view;
    const p = state.route.params;
    const requests = [api('/api/overview')];
    if (view === 'overview') {
      requests.push(api('/api/jobs?state=running&limit=50').then((r) => (state.lists.running = r)));
      requests.push(api('/api/jobs?state=dead&limit=20').then((r) => (state.lists.dead = r)));
      requests.push(api('/api/queues').then((r) => (state.queues = r.queues)));
    } else if (view === 'jobs') {
      const q = jobFilterQuery(p);
      q.set('limit', String(PAGE_SIZE));
      const page = Number(p.get('page') ?? 1) || 1;
      if (page > 1) q.set('offset', String((page - 1) * PAGE_SIZE));
      requests.push(api(`/api/jobs?${q}`).then((r) => (state.lists.jobs = r)));
    }
    const [overview] = await Promise.all(requests);
    state.overview = overview;
    state.fetchedAt = Date.now();
    state.failures = 0;
    render();
    if (state.detail) await loadDetail();
    setLive(true);
  } catch (error) {
    state.failures++;
    setLive(false, error.message);
    if (error.status === 401 || error.status === 403) {
      $('#view').innerHTML = `<section class="panel"><div class="empty">${esc(error.message)}</div></section>`;
      delete $('#view').dataset.built;
      return;
    }
  }
  refresh.timer = setTimeout(refresh, POLL_MS);
}

function render() {
  const { report, readOnly } = state.overview;
  $('#status').className = `pill ${report.status}`;
  $('#status').textContent = report.status === 'ok' ? 'healthy' : report.status;
  $('#db').textContent = report.database;
  $('#readonly').hidden = !readOnly;
  const view = state.route.view;
  if ($('#view').dataset.view !== view) return;
  if (view === 'overview') renderOverview();
  else if (view === 'jobs') renderJobs();
  else if (view === 'schema') renderSchema();
  else if (view === 'migrations') renderMigrations();
  else if (view === 'workers') renderWorkers();
}

function setLive(on, message) {
  const el = $('#live');
  el.className = `live ${on ? 'on' : 'off'}`;
  el.title = on ? 'updating every second' : `disconnected: ${message}`;
  $('span', el).textContent = on ? 'live' : 'offline';
}

async function act(action, id, button) {
  button.disabled = true;
  try {
    const { job } = await api(`/api/jobs/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
    toast(`Job ${id}: ${action === 'retry' ? 're-queued' : 'cancelled'} (now ${job.state})`);
  } catch (error) {
    toast(`Could not ${action} job ${id}: ${error.message}`, true);
  } finally {
    button.disabled = false;
    refresh();
  }
}

async function queueAct(action, queue, button) {
  button.disabled = true;
  try {
    const { queues } = await api(`/api/queues/${encodeURIComponent(queue)}/${action}`, { method: 'POST' });
    state.queues = queues;
    toast(`Queue ${queue}: ${action === 'pause' ? 'paused (workers claim none of its jobs)' : 'resumed'}`);
  } catch (error) {
    toast(`Could not ${action} queue ${queue}: ${error.message}`, true);
  } finally {
    button.disabled = false;
    refresh();
  }
}

document.addEventListener('click', (event) => {
  const queueButton = event.target.closest('button[data-queue-action]');
  if (queueButton) return queueAct(queueButton.dataset.queueAction, queueButton.dataset.queue, queueButton);
  if (event.target.closest('input[data-select], th.check, td.check')) return;
  const button = event.target.closest('button[data-action]');
  if (button) {
    event.stopPropagation();
    return act(button.dataset.action, button.dataset.id, button);
  }
  if (event.target.closest('[data-close]')) return closeDetail();
  const open = event.target.closest('[data-open]');
  if (open) {
    event.preventDefault();
    return openDetail(open.dataset.open);
  }
  const row = event.target.closest('tr[data-job-id]');
  if (row && !event.target.closest('a')) openDetail(row.dataset.jobId);
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state.detail) closeDetail();
});
window.addEventListener('hashchange', onRoute);
onRoute();
