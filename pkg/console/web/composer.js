// The reply composer: templates rendered for the item, a live count from
// the server's own counting (POST .../reply-check), public or private where
// the platform allows it, Messenger's reply window as a countdown, and one
// idempotency key per composed reply (a double click never sends twice).
import { html, useState, useEffect, useRef, t, get, api, newKey, fmtTime, fmtIn, errText } from './lib.js';

function templateList(r) {
  const list = Array.isArray(r) ? r : r?.templates || r?.items || [];
  return list.map((x) => ({ name: x.name, text: x.rendered ?? x.text ?? '' }));
}

// useNow ticks every 30 s (the countdown).
function useNow() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 30000);
    return () => clearInterval(id);
  }, []);
  return now;
}

export function Composer({ it, focus, onQueued }) {
  const [text, setText] = useState('');
  const [tpl, setTpl] = useState(null); // {name, text} while the text is the template's
  const [templates, setTemplates] = useState(null); // null: loading; false: not offered
  const [priv, setPriv] = useState(false);
  const [privOK, setPrivOK] = useState(false);
  const [check, setCheck] = useState(null);
  const [err, setErr] = useState('');
  const [msg, setMsg] = useState('');
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  const area = useRef(null);
  const seq = useRef(0);
  const now = useNow();

  useEffect(() => {
    get(`/items/${it.id}/templates`).then((r) => setTemplates(templateList(r)), (e) => setTemplates(e.noRoute ? false : []));
    if (it.kind !== 'message') {
      api('POST', `/items/${it.id}/reply-check`, { text: '.', private: true })
        .then((r) => setPrivOK(!(r.problems || []).some((p) => p.field === 'private')), () => setPrivOK(false));
    }
  }, [it.id]);

  useEffect(() => { if (focus) area.current?.focus(); }, [focus]);

  // The live count: the server counts as the platform does.
  useEffect(() => {
    const my = ++seq.current;
    const id = setTimeout(() => {
      api('POST', `/items/${it.id}/reply-check`, { text, private: priv })
        .then((r) => { if (my === seq.current) setCheck({ ...r, text, priv }); }, () => {});
    }, text ? 150 : 0);
    return () => clearTimeout(id);
  }, [text, priv, it.id]);

  const windowEnds = it.reply_window_ends_at ? new Date(it.reply_window_ends_at).getTime() : 0;
  const windowClosed = windowEnds > 0 && windowEnds <= now;
  // A count is shown only for the text as it is now.
  const cur = check && check.text === text && check.priv === priv ? check : null;
  const problems = (cur?.problems || []).filter((p) => text || p.field !== 'text');
  const remaining = cur ? cur.limit - cur.count : null;

  async function send(e) {
    e.preventDefault();
    if (busy || windowClosed) return;
    setBusy(true); setErr(''); setMsg('');
    const useTpl = tpl && tpl.text === text;
    const body = useTpl ? { template: tpl.name } : { text };
    if (privOK && priv) body.private = true;
    try {
      const r = await api('POST', `/items/${it.id}/replies`, body, { 'Idempotency-Key': key.current });
      onQueued(r);
      key.current = newKey();
      setText(''); setTpl(null); setPriv(false);
      setMsg(t('composer.queued'));
    } catch (ex) { setErr(errText(ex)); } finally { setBusy(false); }
  }

  function pick(e) {
    const name = e.target.value;
    const found = (templates || []).find((x) => x.name === name);
    if (!found) return;
    setTpl(found); setText(found.text);
    e.target.value = '';
    area.current?.focus();
  }

  return html`<form class="composer card" onSubmit=${send} aria-labelledby="composer-h">
    <h2 id="composer-h">${t('composer.title')}</h2>
    ${windowEnds > 0 && (windowClosed
      ? html`<p class="error" id="window" role="alert">${t('composer.windowclosed')}</p>`
      : html`<p class="warn" id="window" role="status">${t('composer.window', { time: fmtTime(it.reply_window_ends_at), left: fmtIn(it.reply_window_ends_at, now) })}</p>`)}
    <div class="row">
      ${templates === false ? html`<span class="small muted">${t('composer.notemplates')}</span>`
        : html`<label>${t('composer.template')}
        <select id="template" onChange=${pick} disabled=${!templates || templates.length === 0}>
          <option value="">${templates && templates.length === 0 ? t('composer.notemplatefit') : t('composer.pick')}</option>
          ${(templates || []).map((x) => html`<option value=${x.name}>${x.name}</option>`)}
        </select></label>`}
      ${privOK && html`<label class="check"><input type="checkbox" id="private" checked=${priv} onChange=${(e) => setPriv(e.target.checked)} />${t('composer.private')}</label>`}
      ${it.kind === 'message' && html`<span class="small muted">${t('composer.isprivate')}</span>`}
    </div>
    <label for="reply-text">${t('composer.text')}${tpl && tpl.text === text ? html` <span class="muted">(${t('composer.fromtemplate', { name: tpl.name })})</span>` : ''}</label>
    <textarea id="reply-text" ref=${area} rows="5" value=${text} onInput=${(e) => setText(e.target.value)} disabled=${windowClosed}></textarea>
    <div class="row">
      <span id="remaining" class=${`count ${remaining !== null && remaining < 0 ? 'over' : ''}`} aria-live="polite" data-count=${cur ? cur.count : ''}>
        ${cur ? t('composer.remaining', { n: remaining, limit: cur.limit }) : ''}
        ${cur?.counting === 'x-weighted' ? html` <span class="muted">${t('composer.xweighted')}</span>` : ''}</span>
      <button type="submit" class="primary" id="send" disabled=${busy || windowClosed || !text.trim() || !cur || problems.length > 0}>${t('composer.send')}</button>
    </div>
    ${problems.length > 0 && html`<ul class="problems" role="alert">${problems.map((p) => html`<li>${p.detail}</li>`)}</ul>`}
    ${(cur?.warnings || []).length > 0 && html`<ul class="warn small">${cur.warnings.map((w) => html`<li>${w}</li>`)}</ul>`}
    ${err && html`<p class="error" role="alert">${err}</p>`}
    ${msg && html`<p class="notice" role="status">${msg}</p>`}
  </form>`;
}
