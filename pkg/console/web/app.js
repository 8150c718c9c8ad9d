// The console's entry: sign-in, set-password, and the shell with its
// screens, routed by the URL's hash (#/, #/item/ID, #/dasbor, #/laporan,
// #/admin).
import {
  html, render, useState, useEffect, t, loadLang, savedLang, currentLang, LANGS, api, errText,
  setUnauthorizedHandler, go,
} from './lib.js';
import * as live from './live.js';
import { Inbox } from './inbox.js';
import { Thread } from './thread.js';
import { Dashboard } from './dash.js';
import { Report } from './report.js';
import { Admin } from './admin.js';

function parseRoute() {
  const hsh = location.hash.replace(/^#\/?/, '');
  const [screen, id, action] = hsh.split('/');
  return { screen: screen || 'inbox', id: id ? decodeURIComponent(id) : '', action: action || '' };
}

function SignIn({ onSignedIn, notice }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [err, setErr] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setBusy(true); setErr('');
    try {
      await api('POST', '/session', { username, password });
      onSignedIn(await api('GET', '/session'));
    } catch (ex) {
      setErr(ex.status === 401 ? t('signin.wrong') : ex.status === 429 ? t('signin.throttled') : errText(ex));
    } finally { setBusy(false); }
  }
  return html`<main class="signin">
    <h1>${t('app.title')}</h1>
    ${notice && html`<p class="notice" role="status">${notice}</p>`}
    <form onSubmit=${submit} class="card" aria-label=${t('signin.title')}>
      <h2>${t('signin.title')}</h2>
      <label for="username">${t('signin.username')}</label>
      <input id="username" name="username" autocomplete="username" required value=${username} onInput=${(e) => setUsername(e.target.value)} />
      <label for="password">${t('signin.password')}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)} />
      ${err && html`<p class="error" role="alert">${err}</p>`}
      <button type="submit" class="primary" disabled=${busy}>${t('signin.submit')}</button>
    </form>
    <${LangSwitch} />
  </main>`;
}

function SetPassword() {
  const code = new URLSearchParams(location.search).get('code') || '';
  const [pw, setPw] = useState('');
  const [pw2, setPw2] = useState('');
  const [err, setErr] = useState('');
  const [done, setDone] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setErr('');
    if (pw !== pw2) { setErr(t('setpw.mismatch')); return; }
    try {
      await api('POST', '/session/set-password', { code, password: pw });
      setDone(true);
    } catch (ex) { setErr(errText(ex)); }
  }
  return html`<main class="signin">
    <h1>${t('app.title')}</h1>
    <div class="card">
      <h2>${t('setpw.title')}</h2>
      ${done ? html`<p role="status">${t('setpw.done')}</p><a class="button primary" href="/">${t('setpw.tosignin')}</a>`
        : html`<form onSubmit=${submit}>
        <p>${t('setpw.rules')}</p>
        <label for="pw1">${t('setpw.new')}</label>
        <input id="pw1" type="password" autocomplete="new-password" required minlength="12" value=${pw} onInput=${(e) => setPw(e.target.value)} />
        <label for="pw2">${t('setpw.repeat')}</label>
        <input id="pw2" type="password" autocomplete="new-password" required value=${pw2} onInput=${(e) => setPw2(e.target.value)} />
        ${err && html`<p class="error" role="alert">${err}</p>`}
        <button type="submit" class="primary">${t('setpw.submit')}</button>
      </form>`}
    </div>
  </main>`;
}

let relang = () => {};

function LangSwitch() {
  return html`<div class="lang" role="group" aria-label=${t('lang.label')}>
    ${LANGS.map((l) => html`<button type="button" class=${l === currentLang() ? 'on' : ''} aria-pressed=${l === currentLang()}
      lang=${l} onClick=${() => relang(l)}>${t(`lang.${l}`)}</button>`)}
  </div>`;
}

function Shell({ me, onSignOut }) {
  const [route, setRoute] = useState(parseRoute());
  const [liveState, setLiveState] = useState('connecting');
  useEffect(() => {
    const on = () => setRoute(parseRoute());
    window.addEventListener('hashchange', on);
    live.onState(setLiveState);
    live.start();
    return () => { window.removeEventListener('hashchange', on); live.stop(); };
  }, []);
  const nav = [['inbox', '#/', t('nav.inbox')], ['dasbor', '#/dasbor', t('nav.dashboard')], ['laporan', '#/laporan', t('nav.report')]];
  if (me.role === 'admin' && !me.unit) nav.push(['admin', '#/admin', t('nav.admin')]);
  const current = route.screen === 'item' ? 'inbox' : route.screen;
  let screen;
  switch (route.screen) {
    case 'item': screen = html`<${Thread} id=${route.id} me=${me} action=${route.action} key=${route.id} />`; break;
    case 'dasbor': screen = html`<${Dashboard} me=${me} />`; break;
    case 'laporan': screen = html`<${Report} me=${me} />`; break;
    case 'admin': screen = html`<${Admin} me=${me} />`; break;
    default: screen = html`<${Inbox} me=${me} />`;
  }
  return html`<div class="shell">
    <header class="top">
      <a class="brand" href="#/">${t('app.title')}</a>
      <nav aria-label=${t('nav.label')}>
        ${nav.map(([k, href, label]) => html`<a href=${href} class=${k === current ? 'on' : ''} aria-current=${k === current ? 'page' : undefined}>${label}</a>`)}
      </nav>
      <div class="me">
        <span class=${`live ${liveState}`} role="status" title=${t(`live.${liveState}`)} aria-label=${t(`live.${liveState}`)}></span>
        <span class="who">${me.display_name || me.username}${me.unit ? html` · <span class="unitcode">${me.unit}</span>` : ''}</span>
        <${LangSwitch} />
        <button type="button" id="signout" onClick=${onSignOut}>${t('nav.signout')}</button>
      </div>
    </header>
    <main id="main">${screen}</main>
  </div>`;
}

function App({ initialMe }) {
  const [me, setMe] = useState(initialMe);
  const [notice, setNotice] = useState('');
  useEffect(() => {
    setUnauthorizedHandler(() => {
      live.stop();
      setMe(null);
      setNotice(t('signin.ended'));
    });
  }, []);
  if (location.pathname === '/set-password') return html`<${SetPassword} />`;
  if (!me) return html`<${SignIn} notice=${notice} onSignedIn=${(m) => { setNotice(''); setMe(m); }} />`;
  async function signOut() {
    live.stop();
    try { await api('DELETE', '/session'); } catch (_) { /* already ended */ }
    setMe(null);
    setNotice(t('signin.signedout'));
  }
  return html`<${Shell} me=${me} onSignOut=${signOut} />`;
}

async function boot() {
  await loadLang(savedLang());
  let me = null;
  if (location.pathname !== '/set-password') {
    try { me = await api('GET', '/session'); } catch (_) { me = null; }
  }
  const root = document.getElementById('app');
  root.textContent = '';
  const draw = () => render(html`<${App} initialMe=${me} key=${currentLang()} />`, root);
  relang = async (l) => {
    await loadLang(l);
    try { me = await api('GET', '/session'); } catch (_) { me = null; }
    render(null, root);
    draw();
  };
  draw();
  document.title = t('app.title');
}

boot().catch((e) => {
  document.getElementById('app').textContent = `inboxd: ${errText(e)}`;
});

export { go };
