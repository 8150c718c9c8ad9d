// Admin: users (with their set-password links), API tokens (the secret
// shown once), units, the routing dry-run tester, templates and
// quarantined records. Admins without a unit scope only (the API refuses
// the rest anyway).
import { html, useState, useEffect, t, get, api, qs, fmtDateTime, errText } from './lib.js';
import { useUnits, CHANNELS, KINDS } from './parts.js';

const TABS = ['users', 'tokens', 'units', 'routing', 'templates', 'quarantine'];
const ROLES = ['operator', 'viewer', 'admin'];

export function Admin() {
  const [tab, setTab] = useState('users');
  return html`<section class="admin" aria-labelledby="admin-h">
    <h1 id="admin-h">${t('nav.admin')}</h1>
    <div class="tabs" role="tablist" aria-label=${t('nav.admin')}>
      ${TABS.map((k) => html`<button type="button" role="tab" id=${`tab-${k}`} aria-selected=${tab === k} class=${tab === k ? 'on' : ''}
        onClick=${() => setTab(k)}>${t(`admin.${k}`)}</button>`)}
    </div>
    <div role="tabpanel" aria-labelledby=${`tab-${tab}`}>
      ${tab === 'users' && html`<${Users} />`}
      ${tab === 'tokens' && html`<${Tokens} />`}
      ${tab === 'units' && html`<${Units} />`}
      ${tab === 'routing' && html`<${Routing} />`}
      ${tab === 'templates' && html`<${Templates} />`}
      ${tab === 'quarantine' && html`<${Quarantine} />`}
    </div>
  </section>`;
}

// OneTime shows a link or secret once, with a copy button.
function OneTime({ label, value, note }) {
  const [copied, setCopied] = useState(false);
  return html`<div class="onetime card" role="status">
    <p><b>${label}</b></p>
    <code class="secret">${value}</code>
    <button type="button" onClick=${() => navigator.clipboard?.writeText(value).then(() => setCopied(true))}>${copied ? t('admin.copied') : t('admin.copy')}</button>
    <p class="small">${note}</p>
  </div>`;
}

function UnitSelect({ value, onChange, id }) {
  const units = useUnits();
  return html`<select id=${id} value=${value} onChange=${onChange}>
    <option value="">${t('admin.allunits')}</option>
    ${units.list.map((u) => html`<option value=${u.code}>${u.short || u.code}</option>`)}
  </select>`;
}

function Users() {
  const [users, setUsers] = useState([]);
  const [form, setForm] = useState({ username: '', display_name: '', role: 'operator', unit: '' });
  const [link, setLink] = useState(null);
  const [err, setErr] = useState('');
  const load = () => get('/users').then((r) => setUsers(r.users || []), (e) => setErr(errText(e)));
  useEffect(() => { load(); }, []);
  async function create(e) {
    e.preventDefault(); setErr(''); setLink(null);
    try {
      const r = await api('POST', '/users', form);
      setLink({ who: r.user.username, url: absolute(r.set_password_url), until: r.set_password_expires_at });
      setForm({ username: '', display_name: '', role: 'operator', unit: '' });
      load();
    } catch (ex) { setErr(errText(ex)); }
  }
  async function act(u, what) {
    setErr(''); setLink(null);
    try {
      const r = await api(what === 'sessions' ? 'DELETE' : 'POST', `/users/${encodeURIComponent(u.username)}/${what}`);
      if (what === 'reset-password') setLink({ who: u.username, url: absolute(r.set_password_url), until: r.set_password_expires_at });
      load();
    } catch (ex) { setErr(errText(ex)); }
  }
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  return html`<div>
    ${link && html`<${OneTime} label=${t('admin.link', { who: link.who })} value=${link.url} note=${t('admin.linknote', { until: fmtDateTime(link.until) })} />`}
    ${err && html`<p class="error" role="alert">${err}</p>`}
    <div class="scroll"><table><thead><tr><th scope="col">${t('admin.username')}</th><th scope="col">${t('admin.name')}</th><th scope="col">${t('admin.role')}</th>
      <th scope="col">${t('admin.unit')}</th><th scope="col">${t('admin.state')}</th><th scope="col">${t('admin.lastsignin')}</th><th scope="col"></th></tr></thead>
      <tbody>${users.map((u) => html`<tr data-user=${u.username}><td>${u.username}</td><td>${u.display_name}</td><td>${t(`role.${u.role}`)}</td><td>${u.unit || t('admin.allunits')}</td>
        <td>${u.disabled ? t('admin.disabled') : u.password_set ? t('admin.active') : t('admin.nopassword')}</td>
        <td>${u.last_sign_in_at ? fmtDateTime(u.last_sign_in_at) : '–'}</td>
        <td class="row-actions">
          ${u.disabled ? html`<button type="button" onClick=${() => act(u, 'enable')}>${t('admin.enable')}</button>`
            : html`<button type="button" class="disable" onClick=${() => act(u, 'disable')}>${t('admin.disable')}</button>`}
          <button type="button" onClick=${() => act(u, 'reset-password')}>${t('admin.reset')}</button>
          <button type="button" onClick=${() => act(u, 'sessions')}>${t('admin.endsessions')}</button>
        </td></tr>`)}</tbody></table></div>
    <form class="card" onSubmit=${create} aria-labelledby="newuser-h">
      <h2 id="newuser-h">${t('admin.newuser')}</h2>
      <div class="grid">
        <label>${t('admin.username')}<input id="nu-username" required value=${form.username} onInput=${set('username')} /></label>
        <label>${t('admin.name')}<input id="nu-name" value=${form.display_name} onInput=${set('display_name')} /></label>
        <label>${t('admin.role')}<select id="nu-role" value=${form.role} onChange=${set('role')}>${ROLES.map((r) => html`<option value=${r}>${t(`role.${r}`)}</option>`)}</select></label>
        <label>${t('admin.unit')}<${UnitSelect} id="nu-unit" value=${form.unit} onChange=${set('unit')} /></label>
      </div>
      <button type="submit" class="primary">${t('admin.create')}</button>
    </form>
  </div>`;
}

function absolute(u) { return u && u.startsWith('/') ? `${location.origin}${u}` : u; }

function Tokens() {
  const [tokens, setTokens] = useState([]);
  const [form, setForm] = useState({ name: '', role: 'viewer', unit: '' });
  const [secret, setSecret] = useState(null);
  const [err, setErr] = useState('');
  const load = () => get('/tokens?limit=200').then((r) => setTokens(r.tokens || []), (e) => setErr(errText(e)));
  useEffect(() => { load(); }, []);
  async function create(e) {
    e.preventDefault(); setErr(''); setSecret(null);
    try {
      const body = { name: form.name, role: form.role };
      if (form.unit) body.unit = form.unit;
      const r = await api('POST', '/tokens', body);
      setSecret({ name: r.token.name, secret: r.secret });
      setForm({ name: '', role: 'viewer', unit: '' });
      load();
    } catch (ex) { setErr(errText(ex)); }
  }
  async function revoke(name) {
    if (!window.confirm(t('admin.revokeq', { name }))) return;
    try { await api('DELETE', `/tokens/${encodeURIComponent(name)}`); load(); } catch (ex) { setErr(errText(ex)); }
  }
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  return html`<div>
    ${secret && html`<${OneTime} label=${t('admin.secret', { name: secret.name })} value=${secret.secret} note=${t('admin.secretnote')} />`}
    ${err && html`<p class="error" role="alert">${err}</p>`}
    <div class="scroll"><table><thead><tr><th scope="col">${t('admin.tokenname')}</th><th scope="col">${t('admin.role')}</th><th scope="col">${t('admin.unit')}</th>
      <th scope="col">${t('admin.created')}</th><th scope="col">${t('admin.lastused')}</th><th scope="col"></th></tr></thead>
      <tbody>${tokens.map((k) => html`<tr><td>${k.name}</td><td>${t(`role.${k.role}`)}</td><td>${k.unit || t('admin.allunits')}</td>
        <td>${fmtDateTime(k.created_at)}</td><td>${k.last_used_at ? fmtDateTime(k.last_used_at) : '–'}</td>
        <td><button type="button" onClick=${() => revoke(k.name)}>${t('admin.revoke')}</button></td></tr>`)}</tbody></table></div>
    <form class="card" onSubmit=${create} aria-labelledby="newtoken-h">
      <h2 id="newtoken-h">${t('admin.newtoken')}</h2>
      <div class="grid">
        <label>${t('admin.tokenname')}<input id="nt-name" required value=${form.name} onInput=${set('name')} /></label>
        <label>${t('admin.role')}<select value=${form.role} onChange=${set('role')}>${ROLES.map((r) => html`<option value=${r}>${t(`role.${r}`)}</option>`)}</select></label>
        <label>${t('admin.unit')}<${UnitSelect} value=${form.unit} onChange=${set('unit')} /></label>
      </div>
      <button type="submit" class="primary">${t('admin.create')}</button>
    </form>
  </div>`;
}

function Units() {
  const units = useUnits();
  const raw = units.raw;
  return html`<div>
    <p class="small">${units.configured ? t('admin.unitsconfig') : t('admin.unitsfree')}</p>
    <div class="scroll"><table><thead><tr><th scope="col">${t('admin.code')}</th><th scope="col">${t('admin.short')}</th><th scope="col">${t('admin.name')}</th>
      <th scope="col" class="num">${t('admin.waiting')}</th><th scope="col" class="num">${t('admin.total')}</th><th scope="col">${t('admin.contact')}</th></tr></thead>
      <tbody>${units.list.map((u) => html`<tr><td>${u.code}</td><td>${u.short || ''}</td><td>${u.name || ''}</td>
        <td class="num">${u.counts?.waiting ?? 0}</td><td class="num">${u.counts?.total ?? 0}</td><td>${u.contact || ''}</td></tr>`)}</tbody></table></div>
    ${raw?.unknown_units?.length > 0 && html`<p class="warn">${t('admin.unknownunits', { list: raw.unknown_units.map((x) => x.code || x).join(', ') })}</p>`}
  </div>`;
}

// RuleList shows the running rules read-only, in order (first match wins).
function RuleList() {
  const [rules, setRules] = useState(null);
  const [err, setErr] = useState('');
  useEffect(() => { get('/routing/rules').then((r) => setRules(r.rules || []), (e) => setErr(errText(e))); }, []);
  const when = (r) => [r.any_words && t('admin.rl.any', { list: r.any_words.join(', ') }),
    r.all_words && t('admin.rl.all', { list: r.all_words.join(', ') }),
    r.regex && t('admin.rl.regex', { re: r.regex }),
    r.channel && t(`channel.${r.channel}`), r.kind && t(`kind.${r.kind}`), r.account, r.author_handle].filter(Boolean).join(' · ');
  const then = (r) => [r.unit && `${t('admin.unit')}: ${r.unit}`, r.status && t(`status.${r.status}`),
    r.priority && `${t('admin.rt.priority')}: ${r.priority}`, r.assignee, r.tags && r.tags.join(', ')].filter(Boolean).join(' · ');
  return html`<section class="card" aria-labelledby="rl-h">
    <h2 id="rl-h">${t('admin.rl.title')}</h2>
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${rules && rules.length === 0 && html`<p>${t('admin.rl.none')}</p>`}
    ${rules && rules.length > 0 && html`<table id="rule-list">
      <thead><tr><th scope="col">#</th><th scope="col">${t('admin.rl.name')}</th><th scope="col">${t('admin.rl.when')}</th><th scope="col">${t('admin.rl.then')}</th></tr></thead>
      <tbody>${rules.map((r, i) => html`<tr><td>${i + 1}</td><td>${r.name}</td><td>${when(r)}</td><td>${then(r)}</td></tr>`)}</tbody>
    </table>`}
  </section>`;
}

function Routing() {
  const [form, setForm] = useState({ text: '', channel: 'facebook', kind: 'comment', account: '', author_handle: '' });
  const [res, setRes] = useState(null);
  const [err, setErr] = useState('');
  async function test(e) {
    e.preventDefault(); setErr(''); setRes(null);
    const body = { text: form.text, channel: form.channel, kind: form.kind };
    if (form.account) body.account = form.account;
    if (form.author_handle) body.author_handle = form.author_handle;
    try { setRes(await api('POST', '/routing/test', body)); } catch (ex) { setErr(errText(ex)); }
  }
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  return html`<div>
    <p class="small">${t('admin.routingnote')}</p>
    <form class="card" onSubmit=${test} aria-labelledby="rt-h">
      <h2 id="rt-h">${t('admin.routingtest')}</h2>
      <label for="rt-text">${t('admin.rt.text')}</label>
      <textarea id="rt-text" rows="3" required value=${form.text} onInput=${set('text')}></textarea>
      <div class="grid">
        <label>${t('filter.channel')}<select value=${form.channel} onChange=${set('channel')}>${CHANNELS.map((c) => html`<option value=${c}>${t(`channel.${c}`)}</option>`)}</select></label>
        <label>${t('filter.kind')}<select value=${form.kind} onChange=${set('kind')}>${KINDS.map((k) => html`<option value=${k}>${t(`kind.${k}`)}</option>`)}</select></label>
        <label>${t('filter.account')}<input value=${form.account} onInput=${set('account')} /></label>
        <label>${t('admin.rt.handle')}<input value=${form.author_handle} onInput=${set('author_handle')} /></label>
      </div>
      <button type="submit" class="primary">${t('admin.rt.run')}</button>
    </form>
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${res && html`<dl class="result card" id="rt-result">
      <dt>${t('admin.unit')}</dt><dd>${res.unit || t('unit.none')}</dd>
      <dt>${t('admin.rt.rule')}</dt><dd>${res.rule || t('admin.rt.norule')}</dd>
      <dt>${t('admin.rt.priority')}</dt><dd>${res.priority}</dd>
      <dt>${t('filter.status')}</dt><dd>${t(`status.${res.status}`)}</dd>
      <dt>${t('filter.tag')}</dt><dd>${(res.tags || []).join(', ') || '–'}</dd>
      ${res.first_response_due_at && html`<dt>${t('admin.rt.firstdue')}</dt><dd>${fmtDateTime(res.first_response_due_at)}</dd>`}
      ${res.resolution_due_at && html`<dt>${t('admin.rt.resdue')}</dt><dd>${fmtDateTime(res.resolution_due_at)}</dd>`}
    </dl>`}
    <${RuleList} />
  </div>`;
}

function Templates() {
  const [list, setList] = useState(null); // null loading, false: not offered
  const [edit, setEdit] = useState(null);
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState('');
  const load = () => get('/templates').then((r) => setList(Array.isArray(r) ? r : r.templates || []),
    (e) => (e.noRoute ? setList(false) : setErr(errText(e))));
  useEffect(() => { load(); }, []);
  if (list === false) return html`<p class="notice unavailable" role="status">${t('admin.notemplates')}</p>`;
  async function save(e) {
    e.preventDefault(); setErr(''); setMsg('');
    const body = { name: edit.name, text: edit.text };
    for (const k of ['unit', 'channel', 'kind', 'language']) if (edit[k]) body[k] = edit[k];
    try {
      if (edit.isNew) await api('POST', '/templates', body);
      else await api('PUT', `/templates/${encodeURIComponent(edit.name)}`, body);
      setMsg(t('admin.tplsaved', { name: edit.name })); setEdit(null); load();
    } catch (ex) { setErr(errText(ex)); }
  }
  async function del(name) {
    if (!window.confirm(t('admin.tpldelq', { name }))) return;
    try { await api('DELETE', `/templates/${encodeURIComponent(name)}`); load(); } catch (ex) { setErr(errText(ex)); }
  }
  const set = (k) => (e) => setEdit({ ...edit, [k]: e.target.value });
  return html`<div>
    ${msg && html`<p class="notice" role="status">${msg}</p>`}
    ${err && html`<p class="error" role="alert">${err}</p>`}
    <p class="small">${t('admin.placeholders')}</p>
    <ul class="plain templates">${(list || []).map((x) => html`<li><b>${x.name}</b>
      ${[x.unit, x.channel, x.kind, x.language].filter(Boolean).map((v) => html` <span class="chip">${v}</span>`)}
      <p class="small">${x.text}</p>
      <span class="row-actions"><button type="button" onClick=${() => setEdit({ ...x })}>${t('admin.edit')}</button>
      <button type="button" onClick=${() => del(x.name)}>${t('admin.delete')}</button></span></li>`)}</ul>
    ${!edit && html`<button type="button" class="primary" onClick=${() => setEdit({ isNew: true, name: '', text: '' })}>${t('admin.newtemplate')}</button>`}
    ${edit && html`<form class="card" onSubmit=${save} aria-labelledby="tpl-h">
      <h2 id="tpl-h">${edit.isNew ? t('admin.newtemplate') : t('admin.edittemplate', { name: edit.name })}</h2>
      ${edit.isNew && html`<label>${t('admin.tplname')}<input required value=${edit.name} onInput=${set('name')} /></label>`}
      <label for="tpl-text">${t('admin.tpltext')}</label>
      <textarea id="tpl-text" rows="5" required value=${edit.text} onInput=${set('text')}></textarea>
      <div class="grid">
        <label>${t('admin.unit')}<${UnitSelect} value=${edit.unit || ''} onChange=${set('unit')} /></label>
        <label>${t('filter.channel')}<select value=${edit.channel || ''} onChange=${set('channel')}><option value="">${t('filter.all')}</option>${CHANNELS.map((c) => html`<option value=${c}>${t(`channel.${c}`)}</option>`)}</select></label>
        <label>${t('filter.kind')}<select value=${edit.kind || ''} onChange=${set('kind')}><option value="">${t('filter.all')}</option>${KINDS.map((k) => html`<option value=${k}>${t(`kind.${k}`)}</option>`)}</select></label>
      </div>
      <span class="row-actions"><button type="submit" class="primary">${t('admin.save')}</button>
      <button type="button" onClick=${() => setEdit(null)}>${t('admin.cancel')}</button></span>
    </form>`}
  </div>`;
}

function Quarantine() {
  const [recs, setRecs] = useState([]);
  const [cursor, setCursor] = useState('');
  const [err, setErr] = useState('');
  const load = (after) => get(`/quarantine${qs({ limit: 50, cursor: after })}`).then((r) => {
    setRecs((old) => (after ? old.concat(r.records || []) : r.records || [])); setCursor(r.next_cursor || '');
  }, (e) => setErr(errText(e)));
  useEffect(() => { load(''); }, []);
  return html`<div>
    <p class="small">${t('admin.quarantinenote')}</p>
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${recs.length === 0 && !err && html`<p class="empty">${t('admin.noquarantine')}</p>`}
    <ul class="plain">${recs.map((q) => html`<li><b>${q.account}</b> · ${q.source} · ${fmtDateTime(q.at)}<br />${q.reason}
      <details><summary>${t('admin.raw')}</summary><pre>${q.raw}</pre></details></li>`)}</ul>
    ${cursor && html`<button type="button" onClick=${() => load(cursor)}>${t('inbox.more')}</button>`}
  </div>`;
}
