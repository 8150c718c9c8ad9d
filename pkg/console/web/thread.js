// Percakapan: one item with its thread, the office's replies (live
// states), the citizen's other items, notes, the audit trail, the buttons
// that change it, and the reply composer.
import {
  html, useState, useEffect, useRef, t, get, api, qs, fmtDateTime, fmtAge, errText, firstLine, deadlineState,
} from './lib.js';
import * as live from './live.js';
import { ItemBadges, StatusChip, ReplyChip, useUnits, STATUSES } from './parts.js';
import { Composer } from './composer.js';

export function Thread({ id, me, action }) {
  const [d, setD] = useState(null);
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState('');
  const [others, setOthers] = useState(null);
  const units = useUnits();
  const assignRef = useRef(null);

  async function load() {
    try {
      const det = await get(`/items/${encodeURIComponent(id)}`);
      setD(det);
      setErr('');
      loadOthers(det.item);
    } catch (e) { setErr(e.status === 404 ? t('thread.notfound') : errText(e)); }
  }

  // The citizen's other items: same channel, same author id. The API has
  // no author filter, so search by their handle or name and keep theirs.
  async function loadOthers(it) {
    const who = it.author?.handle || it.author?.name;
    if (!who || !it.author?.id) { setOthers([]); return; }
    try {
      const page = await get(`/items${qs({ channel: it.channel, q: who, limit: 50 })}`);
      setOthers(page.items.filter((x) => x.id !== it.id && x.author?.id === it.author.id));
    } catch (_) { setOthers([]); }
  }

  useEffect(() => { load(); }, [id]);

  useEffect(() => live.subscribe((type, data) => {
    if (!data) return;
    if (type === 'reset') { load(); return; }
    if (type.startsWith('item.') && data.id === id) setD((old) => (old ? { ...old, item: data } : old));
    if (type.startsWith('item.') && !data.id && data.item_id === id) load();
    if (type.startsWith('reply.') && data.item_id === id && data.id) {
      setD((old) => {
        if (!old) return old;
        const has = old.replies.some((r) => r.id === data.id);
        return { ...old, replies: has ? old.replies.map((r) => (r.id === data.id ? data : r)) : [...old.replies, data] };
      });
    }
  }), [id]);

  useEffect(() => {
    if (d && action === 'assign') assignRef.current?.focus();
  }, [!!d, action]);

  if (err) return html`<section><p class="error" role="alert">${err}</p><a href="#/">${t('thread.back')}</a></section>`;
  if (!d) return html`<p class="loading" role="status">${t('common.loading')}</p>`;
  const it = d.item;

  async function patch(change, done) {
    setMsg('');
    try {
      const upd = await api('PATCH', `/items/${it.id}`, change);
      setD({ ...d, item: upd });
      setMsg(done);
      const det = await get(`/items/${it.id}`).catch(() => null);
      if (det) setD(det);
    } catch (e) { setMsg(errText(e)); }
  }

  const timeline = [
    ...d.thread.map((x) => ({ at: x.created_at, kind: 'item', x })),
    { at: it.created_at, kind: 'self', x: it },
    ...d.replies.map((r) => ({ at: r.sent_at || r.created_at, kind: 'reply', x: r })),
  ].sort((a, b) => new Date(a.at) - new Date(b.at));
  const dl = deadlineState(it);
  const canWrite = me.role !== 'viewer';

  return html`<section class="thread" aria-labelledby="thread-h">
    <p><a href="#/" class="back">← ${t('thread.back')}</a></p>
    <header class="item-head">
      <h1 id="thread-h">${it.author?.name || it.author?.handle || t('author.unknown')}
        ${it.author?.handle && html` <span class="handle">@${it.author.handle}</span>`}</h1>
      <div class="line1">
        <${StatusChip} status=${it.status} /> <${ItemBadges} it=${it} />
        ${it.ticket && html`<span class="ticket">${it.ticket}</span>`}
        ${dl && html`<span class=${`deadline ${dl.cls}`}>${dl.label}</span>`}
        <span class="age">${fmtDateTime(it.created_at)}</span>
      </div>
    </header>

    ${canWrite && html`<div class="actions" role="group" aria-label=${t('thread.actions')}>
      <label>${t('thread.status')}
        <select id="t-status" value=${it.status} onChange=${(e) => patch({ status: e.target.value }, t('thread.saved'))}>
          ${STATUSES.map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
        </select></label>
      ${it.assignee !== me.username && html`<button type="button" id="assign-me" onClick=${() => patch({ assignee: me.username }, t('thread.assigned', { who: me.username }))}>${t('thread.assignme')}</button>`}
      <form class="inline" onSubmit=${(e) => { e.preventDefault(); const v = e.target.elements.assignee.value.trim(); patch({ assignee: v }, t('thread.assigned', { who: v || '–' })); }}>
        <label>${t('thread.assignee')}<input name="assignee" id="t-assignee" ref=${assignRef} value=${it.assignee || ''} /></label>
        <button type="submit">${t('thread.assign')}</button>
      </form>
      <label>${t('thread.unit')}
        <select id="t-unit" value=${it.unit || ''} disabled=${!!me.unit && false} onChange=${(e) => patch({ unit: e.target.value }, t('thread.unitset', { unit: e.target.value || t('unit.none') }))}>
          <option value="">${t('unit.none')}</option>
          ${units.list.map((u) => html`<option value=${u.code}>${u.short || u.code} – ${u.name || ''}</option>`)}
          ${it.unit && !units.byCode[it.unit] && html`<option value=${it.unit}>${it.unit}</option>`}
        </select></label>
      ${it.permalink && html`<a class="button" href=${it.permalink} target="_blank" rel="noopener noreferrer">${t('thread.original', { channel: t(`channel.${it.channel}`) })}</a>`}
    </div>`}
    ${msg && html`<p class="notice" role="status" id="thread-msg">${msg}</p>`}

    <ol class="timeline" aria-label=${t('thread.timeline')}>
      ${timeline.map((e) => (e.kind === 'reply' ? html`<li class="msg ours" data-reply=${e.x.id}>
          <div class="meta"><${ReplyChip} state=${e.x.state} /> ${e.x.external ? t('reply.external') : e.x.author}
            · ${fmtDateTime(e.at)} ${e.x.private ? html`· ${t('reply.private')}` : ''}</div>
          <p class="body">${e.x.text}</p>
          ${e.x.last_error && html`<p class="error small">${t('reply.error', { error: e.x.last_error })}</p>`}
          ${e.x.needs_decision && html`<p class="warn small">${t('reply.decide')}</p>`}
          ${canWrite && html`<${ReplyButtons} r=${e.x} onDone=${(r) => setD((o) => ({ ...o, replies: o.replies.map((x) => (x.id === r.id ? r : x)) }))} onErr=${setMsg} />`}
        </li>` : html`<li class=${`msg theirs ${e.kind === 'self' ? 'self' : ''}`}>
          <div class="meta">${e.x.author?.name || e.x.author?.handle || ''} · ${fmtDateTime(e.at)}
            ${e.kind === 'item' && html` · <a href=${`#/item/${e.x.id}`}>${t('thread.open')}</a>`}</div>
          <p class="body">${e.x.text}</p>
          ${(e.x.attachments || []).length > 0 && html`<ul class="attach">${e.x.attachments.map((a) => html`<li>
            <a href=${a.url} target="_blank" rel="noopener noreferrer">${t('thread.attachment', { type: a.type })}</a></li>`)}</ul>`}
        </li>`))}
    </ol>

    ${canWrite && html`<${Composer} it=${it} focus=${action === 'reply'} onQueued=${(r) => setD((o) => ({ ...o, replies: o.replies.some((x) => x.id === r.id) ? o.replies : [...o.replies, r] }))} />`}

    <div class="cols">
      <section aria-labelledby="others-h">
        <h2 id="others-h">${t('thread.others')}</h2>
        ${others === null ? html`<p class="loading">${t('common.loading')}</p>`
          : others.length === 0 ? html`<p class="empty">${t('thread.noothers')}</p>`
            : html`<ul class="plain">${others.map((o) => html`<li><a href=${`#/item/${o.id}`}>${o.ticket || ''} ${firstLine(o.text, 80)}</a>
              <span class="age">${fmtAge(o.created_at)}</span> <${StatusChip} status=${o.status} /></li>`)}</ul>`}
      </section>
      <${Notes} it=${it} notes=${d.notes} canWrite=${canWrite} onAdded=${(n) => setD((o) => ({ ...o, notes: [...o.notes, n] }))} />
      <section aria-labelledby="audit-h">
        <h2 id="audit-h">${t('thread.audit')}</h2>
        <ul class="plain audit">${d.audit.map((a) => html`<li>${fmtDateTime(a.at)} · <b>${a.actor}</b>: ${t('audit.change', { field: a.field, from: a.from || '–', to: a.to || '–' })}</li>`)}</ul>
      </section>
    </div>
  </section>`;
}

function ReplyButtons({ r, onDone, onErr }) {
  const retry = r.state === 'failed' || r.state === 'unknown';
  const cancel = r.state === 'queued' || r.state === 'failed' || r.state === 'unknown';
  async function act(method, path) {
    try { onDone(await api(method, path)); } catch (e) { onErr(errText(e)); }
  }
  if (!retry && !cancel) return null;
  return html`<div class="row-actions">
    ${retry && html`<button type="button" class="retry" onClick=${() => act('POST', `/replies/${r.id}/retry`)}>${t('reply.retry')}</button>`}
    ${cancel && html`<button type="button" class="cancel" onClick=${() => act('DELETE', `/replies/${r.id}`)}>${r.state === 'unknown' ? t('reply.drop') : t('reply.cancel')}</button>`}
  </div>`;
}

function Notes({ it, notes, canWrite, onAdded }) {
  const [text, setText] = useState('');
  const [err, setErr] = useState('');
  async function add(e) {
    e.preventDefault();
    if (!text.trim()) return;
    try { onAdded(await api('POST', `/items/${it.id}/notes`, { text })); setText(''); setErr(''); } catch (ex) { setErr(errText(ex)); }
  }
  return html`<section aria-labelledby="notes-h">
    <h2 id="notes-h">${t('thread.notes')}</h2>
    <ul class="plain">${notes.map((n) => html`<li><b>${n.author}</b> · ${fmtDateTime(n.created_at)}<br />${n.text}</li>`)}</ul>
    ${notes.length === 0 && html`<p class="empty">${t('thread.nonotes')}</p>`}
    ${canWrite && html`<form onSubmit=${add}>
      <label for="note">${t('thread.addnote')}</label>
      <textarea id="note" rows="2" value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
      ${err && html`<p class="error" role="alert">${err}</p>`}
      <button type="submit">${t('thread.savenote')}</button>
    </form>`}
  </section>`;
}
