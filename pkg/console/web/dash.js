// Dasbor: counts per status and unit, overdue items, first-response
// times, replies per state and the accounts' health with what to do,
// refreshed when events arrive (at most every few seconds) and every 30 s.
import { html, useState, useEffect, useRef, t, get, api, qs, fmtDateTime, fmtAge, fmtDuration, firstLine, errText } from './lib.js';
import * as live from './live.js';
import { STATUSES, REPLY_STATES, useUnits, StatusChip, ItemBadges } from './parts.js';

const WINDOWS = ['24h', '7d', '30d'];

export function Dashboard({ me }) {
  const [stats, setStats] = useState(null);
  const [overdue, setOverdue] = useState([]);
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState('');
  const units = useUnits();
  const pending = useRef(null);

  async function load() {
    try {
      const [s, o] = await Promise.all([get('/stats'), get(`/items${qs({ overdue: 'true', limit: 10 })}`)]);
      setStats(s); setOverdue(o.items); setErr('');
    } catch (e) { setErr(errText(e)); }
  }
  useEffect(() => {
    load();
    const id = setInterval(load, 30000);
    const unsub = live.subscribe(() => {
      if (pending.current) return;
      pending.current = setTimeout(() => { pending.current = null; load(); }, 2000);
    });
    return () => { clearInterval(id); unsub(); clearTimeout(pending.current); };
  }, []);

  if (err) return html`<p class="error" role="alert">${err}</p>`;
  if (!stats) return html`<p class="loading" role="status">${t('common.loading')}</p>`;
  const isAdmin = me.role === 'admin' && !me.unit;

  async function act(name, what) {
    setMsg('');
    try { await api('POST', `/accounts/${encodeURIComponent(name)}/${what}`); setMsg(t(`dash.${what}.ok`, { name })); setTimeout(load, 1500); } catch (e) { setMsg(errText(e)); }
  }
  const unitRows = Object.entries(stats.by_unit_status || {}).sort((a, b) => a[0].localeCompare(b[0]));

  return html`<section class="dash" aria-labelledby="dash-h">
    <h1 id="dash-h">${t('nav.dashboard')}</h1>
    ${msg && html`<p class="notice" role="status">${msg}</p>`}
    <div class="tiles">
      <div class="tile"><span class="big" id="waiting">${stats.waiting}</span><span>${t('dash.waiting')}</span></div>
      <div class="tile late"><span class="big">${stats.overdue?.first_response ?? 0}</span><span>${t('dash.overdue_first')}</span></div>
      <div class="tile late"><span class="big">${stats.overdue?.resolution ?? 0}</span><span>${t('dash.overdue_resolution')}</span></div>
      <div class="tile"><span class="big">${stats.replies_needing_decision ?? 0}</span><span>${t('dash.decide')}</span></div>
      ${stats.oldest_waiting_received_at && html`<div class="tile"><span class="big">${fmtAge(stats.oldest_waiting_received_at)}</span><span>${t('dash.oldest')}</span></div>`}
    </div>

    <div class="cols">
      <section aria-labelledby="d-status">
        <h2 id="d-status">${t('dash.bystatus')}</h2>
        <table><thead><tr><th scope="col">${t('dash.status')}</th><th scope="col" class="num">${t('dash.count')}</th></tr></thead>
          <tbody>${STATUSES.map((s) => html`<tr><td><${StatusChip} status=${s} /></td><td class="num">${stats.by_status?.[s] ?? 0}</td></tr>`)}</tbody></table>
      </section>
      <section aria-labelledby="d-replies">
        <h2 id="d-replies">${t('dash.replies')}</h2>
        <table><thead><tr><th scope="col">${t('dash.state')}</th><th scope="col" class="num">${t('dash.count')}</th></tr></thead>
          <tbody>${REPLY_STATES.map((s) => html`<tr><td>${t(`reply.${s}`)}</td><td class="num">${stats.replies?.[s] ?? 0}</td></tr>`)}</tbody></table>
      </section>
      <section aria-labelledby="d-first">
        <h2 id="d-first">${t('dash.first')}</h2>
        <table><thead><tr><th scope="col"></th>${WINDOWS.map((w) => html`<th scope="col" class="num">${t(`dash.win.${w}`)}</th>`)}</tr></thead>
          <tbody>
            ${[['first_response_working', 'dash.working'], ['first_response', 'dash.clock']].map(([k, label]) => ['p50', 'p90'].map((p) => html`<tr>
              <th scope="row">${t(label)} ${p}</th>
              ${WINDOWS.map((w) => html`<td class="num">${fmtDuration(stats[k]?.[w]?.[`${p}_seconds`])}</td>`)}</tr>`))}
            <tr><th scope="row">${t('dash.count')}</th>${WINDOWS.map((w) => html`<td class="num">${stats.first_response?.[w]?.count ?? 0}</td>`)}</tr>
            <tr><th scope="row">${t('dash.within')}</th>${WINDOWS.map((w) => html`<td class="num">${stats.first_response_within_deadline?.[w]?.count ? `${Math.round(100 * stats.first_response_within_deadline[w].share)}%` : '–'}</td>`)}</tr>
          </tbody></table>
      </section>
    </div>

    <section aria-labelledby="d-units">
      <h2 id="d-units">${t('dash.byunit')}</h2>
      <div class="scroll"><table><thead><tr><th scope="col">${t('dash.unit')}</th>${STATUSES.map((s) => html`<th scope="col" class="num">${t(`status.${s}`)}</th>`)}</tr></thead>
        <tbody>${unitRows.map(([code, by]) => html`<tr><th scope="row">${code ? units.byCode[code]?.short || code : t('unit.none')}</th>
          ${STATUSES.map((s) => html`<td class="num">${by[s] ?? 0}</td>`)}</tr>`)}</tbody></table></div>
    </section>

    <section aria-labelledby="d-overdue">
      <h2 id="d-overdue">${t('dash.overdueitems')}</h2>
      ${overdue.length === 0 ? html`<p class="empty">${t('dash.nooverdue')}</p>` : html`<ul class="plain">
        ${overdue.map((it) => html`<li><a href=${`#/item/${it.id}`}><${ItemBadges} it=${it} /> ${it.ticket || ''} ${firstLine(it.text, 90)}</a>
          <span class="deadline late">${t(`overdue.${it.overdue}`)}</span></li>`)}</ul>`}
    </section>

    <section aria-labelledby="d-accounts">
      <h2 id="d-accounts">${t('dash.accounts')}</h2>
      <ul class="accounts">${(stats.accounts || []).map((a) => html`<li class=${`acct-${health(a)}`} data-account=${a.name}>
        <div><b>${a.name}</b> (${t(`channel.${a.platform}`)}) — <span class="state">${t(`acct.${a.state}`)}</span></div>
        <p>${advice(a)}</p>
        ${a.last_error && html`<p class="small muted">${t('acct.lasterror', { when: fmtDateTime(a.last_error.at), error: a.last_error.message })}</p>`}
        ${a.last_success_at && html`<p class="small muted">${t('acct.lastok', { when: fmtDateTime(a.last_success_at) })}</p>`}
        ${isAdmin && html`<div class="row-actions">
          <button type="button" onClick=${() => act(a.name, 'poll')}>${t('dash.poll')}</button>
          <button type="button" onClick=${() => act(a.name, 'resume')}>${t('dash.resume')}</button></div>`}
      </li>`)}</ul>
    </section>
  </section>`;
}

function health(a) {
  if (a.state === 'needs_reauth' || a.state === 'disabled') return 'bad';
  if (a.state === 'backoff' || a.state === 'rate_limited' || a.state === 'usage_capped') return 'warn';
  return 'ok';
}

// advice says in plain words what the state means and what to do.
function advice(a) {
  const cls = a.last_error?.class || '';
  if (a.state === 'needs_reauth') return t(`acct.todo.needs_reauth.${a.platform}`) !== `acct.todo.needs_reauth.${a.platform}` ? t(`acct.todo.needs_reauth.${a.platform}`) : t('acct.todo.needs_reauth');
  if (a.state === 'usage_capped' || a.state === 'rate_limited') return t(`acct.todo.${a.state}`, { until: a.paused_until ? fmtDateTime(a.paused_until) : '–' });
  if (a.state === 'backoff') return t('acct.todo.backoff', { cls: cls || '–' });
  return t(`acct.todo.${a.state}`);
}
