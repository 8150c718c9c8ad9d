// Kotak masuk: the list of items with filters, search as you type, keyboard
// moves, live new items (with a count badge) and infinite scroll on the
// API's cursor.
import {
  html, useState, useEffect, useRef, t, get, api, qs, fmtAge, firstLine, deadlineState, errText, go,
} from './lib.js';
import * as live from './live.js';
import { ItemBadges, StatusChip, useUnits, useAccounts, STATUSES, CHANNELS, KINDS } from './parts.js';

const PAGE = 50;
const blank = { status: 'waiting', unit: '', channel: '', account: '', kind: '', tag: '', assignee: '', mine: false, overdue: false, q: '' };

// Filters survive opening a thread and coming back.
let kept = { ...blank };

function query(f, me) {
  return {
    status: f.status, unit: f.unit, channel: f.channel, account: f.account, kind: f.kind, tag: f.tag.trim(),
    assignee: f.mine ? me.username : f.assignee.trim(), overdue: f.overdue ? 'true' : '', q: f.q.trim(),
  };
}

// matches says whether a live item belongs in the list as filtered.
export function matches(f, me, it) {
  const st = f.status === 'waiting' ? ['new', 'open'] : f.status ? f.status.split(',') : null;
  if (st && !st.includes(it.status)) return false;
  if (f.unit && (f.unit === '-' ? !!it.unit : it.unit !== f.unit)) return false;
  if (f.channel && it.channel !== f.channel) return false;
  if (f.account && it.account !== f.account) return false;
  if (f.kind && it.kind !== f.kind) return false;
  if (f.tag.trim() && !(it.tags || []).includes(f.tag.trim())) return false;
  const who = f.mine ? me.username : f.assignee.trim();
  if (who && it.assignee !== who) return false;
  if (f.overdue && !it.overdue) return false;
  const q = f.q.trim().toLowerCase();
  if (q) {
    const hay = `${it.text} ${it.author?.name || ''} ${it.author?.handle || ''} ${it.ticket || ''}`.toLowerCase();
    if (!q.split(/\s+/).every((w) => hay.includes(w))) return false;
  }
  return true;
}

function typing(e) {
  const tag = e.target?.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || e.target?.isContentEditable;
}

export function Inbox({ me }) {
  const [f, setF] = useState(kept);
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState('');
  const [loading, setLoading] = useState(false);
  const [err, setErr] = useState('');
  const [sel, setSel] = useState(0);
  const [fresh, setFresh] = useState(0);
  const [msg, setMsg] = useState('');
  const units = useUnits();
  const accounts = useAccounts();
  const seq = useRef(0);
  const fRef = useRef(f);
  fRef.current = f;
  const searchRef = useRef(null);
  const sentinel = useRef(null);
  const listRef = useRef(null);
  const state = useRef({ items, cursor, loading, sel });
  state.current = { items, cursor, loading, sel };

  async function load(filters, after) {
    const my = ++seq.current;
    setLoading(true); setErr('');
    try {
      const page = await get(`/items${qs({ ...query(filters, me), limit: PAGE, cursor: after })}`);
      if (my !== seq.current) return;
      performance.mark('inbox-data');
      setItems((old) => (after ? old.concat(page.items.filter((n) => !old.some((o) => o.id === n.id))) : page.items));
      setCursor(page.next_cursor || '');
      if (!after) setSel(0);
      // Render time, from the data to the frame that shows it (read by the
      // browser test through the performance API; docs/CONSOLE.md).
      requestAnimationFrame(() => setTimeout(() => performance.measure('inbox-render', 'inbox-data'), 0));
    } catch (e) {
      if (my === seq.current) setErr(errText(e));
    } finally {
      if (my === seq.current) setLoading(false);
    }
  }

  // Reload when the filters change; search as you type waits for a pause.
  useEffect(() => {
    kept = f;
    const id = setTimeout(() => load(f, ''), f.q ? 250 : 0);
    return () => clearTimeout(id);
  }, [f.status, f.unit, f.channel, f.account, f.kind, f.tag, f.assignee, f.mine, f.overdue, f.q]);

  useEffect(() => live.subscribe((type, data) => {
    const cur = fRef.current;
    if (type === 'reset') { load(cur, ''); return; }
    if (!data) return;
    if (type === 'item.moved_out') { setItems((l) => l.filter((x) => x.id !== data.item_id)); return; }
    if (!data.id || !type.startsWith('item.')) return;
    setItems((l) => {
      const i = l.findIndex((x) => x.id === data.id);
      if (i >= 0) return l.map((x) => (x.id === data.id ? data : x));
      if (type === 'item.created' && matches(cur, me, data)) {
        setFresh((n) => n + 1);
        return [data, ...l];
      }
      return l;
    });
  }), []);

  useEffect(() => {
    document.title = fresh ? `(${fresh}) ${t('nav.inbox')}` : t('nav.inbox');
  }, [fresh]);

  // Infinite scroll: the sentinel below the list loads the next page.
  useEffect(() => {
    if (!sentinel.current || !window.IntersectionObserver) return undefined;
    const io = new IntersectionObserver((es) => {
      const s = state.current;
      if (es.some((e) => e.isIntersecting) && s.cursor && !s.loading) load(fRef.current, s.cursor);
    }, { rootMargin: '400px' });
    io.observe(sentinel.current);
    return () => io.disconnect();
  }, []);

  async function closeItem(it) {
    try {
      const upd = await api('PATCH', `/items/${it.id}`, { status: 'closed' });
      setItems((l) => l.map((x) => (x.id === it.id ? upd : x)));
      setMsg(t('inbox.closed', { ticket: it.ticket || it.id }));
    } catch (e) { setMsg(errText(e)); }
  }

  useEffect(() => {
    function onKey(e) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (typing(e)) { if (e.key === 'Escape') e.target.blur(); return; }
      const s = state.current;
      const it = s.items[s.sel];
      switch (e.key) {
        case 'j': setSel(Math.min(s.sel + 1, s.items.length - 1)); break;
        case 'k': setSel(Math.max(s.sel - 1, 0)); break;
        case 'Enter': if (it) go(`#/item/${it.id}`); break;
        case 'r': if (it) go(`#/item/${it.id}/reply`); break;
        case 'a': if (it) go(`#/item/${it.id}/assign`); break;
        case 'e': if (it) closeItem(it); break;
        case '/': searchRef.current?.focus(); break;
        default: return;
      }
      e.preventDefault();
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    listRef.current?.querySelector('.row.sel')?.scrollIntoView?.({ block: 'nearest' });
  }, [sel]);

  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const unitName = (code) => units.byCode[code]?.short || code;

  return html`<section class="inbox" aria-labelledby="inbox-h">
    <div class="bar">
      <h1 id="inbox-h">${t('nav.inbox')}</h1>
      ${fresh > 0 && html`<button type="button" class="badge" id="fresh" onClick=${() => { setFresh(0); window.scrollTo(0, 0); setSel(0); }}>
        ${t('inbox.fresh', { n: fresh })}</button>`}
      <input type="search" id="q" ref=${searchRef} class="search" placeholder=${t('inbox.search')} aria-label=${t('inbox.search')}
        value=${f.q} onInput=${set('q')} />
    </div>
    <details class="filters" open=${window.innerWidth > 700}>
      <summary>${t('filter.title')}</summary>
      <div class="grid">
        <label>${t('filter.status')}<select id="f-status" value=${f.status} onChange=${set('status')}>
          <option value="">${t('filter.all')}</option>
          <option value="waiting">${t('status.waiting')}</option>
          ${STATUSES.map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
        </select></label>
        ${!me.unit && html`<label>${t('filter.unit')}<select id="f-unit" value=${f.unit} onChange=${set('unit')}>
          <option value="">${t('filter.all')}</option>
          <option value="-">${t('unit.none')}</option>
          ${units.list.map((u) => html`<option value=${u.code}>${u.short || u.code}</option>`)}
        </select></label>`}
        <label>${t('filter.channel')}<select value=${f.channel} onChange=${set('channel')}>
          <option value="">${t('filter.all')}</option>
          ${CHANNELS.map((c) => html`<option value=${c}>${t(`channel.${c}`)}</option>`)}
        </select></label>
        <label>${t('filter.account')}<select value=${f.account} onChange=${set('account')}>
          <option value="">${t('filter.all')}</option>
          ${accounts.map((a) => html`<option value=${a.name}>${a.name}</option>`)}
        </select></label>
        <label>${t('filter.kind')}<select value=${f.kind} onChange=${set('kind')}>
          <option value="">${t('filter.all')}</option>
          ${KINDS.map((k) => html`<option value=${k}>${t(`kind.${k}`)}</option>`)}
        </select></label>
        <label>${t('filter.tag')}<input value=${f.tag} onChange=${set('tag')} /></label>
        <label>${t('filter.assignee')}<input value=${f.assignee} onChange=${set('assignee')} disabled=${f.mine} /></label>
        <label class="check"><input type="checkbox" id="f-mine" checked=${f.mine} onChange=${set('mine')} />${t('filter.mine')}</label>
        <label class="check"><input type="checkbox" id="f-overdue" checked=${f.overdue} onChange=${set('overdue')} />${t('filter.overdue')}</label>
        <button type="button" onClick=${() => setF({ ...blank })}>${t('filter.reset')}</button>
      </div>
    </details>
    ${msg && html`<p class="notice" role="status">${msg}</p>`}
    ${err && html`<p class="error" role="alert">${err}</p>`}
    <ul class="list" id="items" ref=${listRef} aria-label=${t('inbox.list')}>
      ${items.map((it, i) => html`<li key=${it.id} class=${`row ${i === sel ? 'sel' : ''} ${it.status}`} data-id=${it.id}>
        <a href=${`#/item/${it.id}`} aria-current=${i === sel ? 'true' : undefined} onFocus=${() => setSel(i)}>
          <div class="line1">
            <${StatusChip} status=${it.status} />
            <${ItemBadges} it=${it} />
            <span class="author">${it.author?.name || it.author?.handle || t('author.unknown')}</span>
            <span class="age" title=${it.created_at}>${fmtAge(it.created_at)}</span>
          </div>
          <div class="text">${firstLine(it.text) || t('item.notext')}</div>
          <div class="line3">
            ${it.unit ? html`<span class="unit">${unitName(it.unit)}</span>` : html`<span class="unit none">${t('unit.none')}</span>`}
            ${it.ticket && html`<span class="ticket">${it.ticket}</span>`}
            ${it.assignee && html`<span class="assignee">→ ${it.assignee}</span>`}
            <${Deadline} it=${it} />
          </div>
        </a>
      </li>`)}
    </ul>
    ${!loading && !err && items.length === 0 && html`<p class="empty">${f.q ? t('inbox.nomatch') : t('inbox.empty')}</p>`}
    <div ref=${sentinel} class="sentinel" aria-hidden="true"></div>
    ${loading && html`<p class="loading" role="status">${t('common.loading')}</p>`}
    ${!loading && cursor && html`<button type="button" class="more" onClick=${() => load(f, cursor)}>${t('inbox.more')}</button>`}
    <p class="keys">${t('inbox.keys')}</p>
  </section>`;
}

function Deadline({ it }) {
  const d = deadlineState(it);
  if (!d) return null;
  return html`<span class=${`deadline ${d.cls}`}>${d.label}</span>`;
}
