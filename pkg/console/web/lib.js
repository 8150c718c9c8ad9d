// Shared pieces: rendering (Preact + htm), the message catalogue, time
// formatting in the office's time zone, and the API client. Every string a
// person reads comes from messages/<lang>.json through t().
import { h, render } from './vendor/preact.mjs';
import htm from './vendor/htm.mjs';

export { render };
export { useState, useEffect, useRef, useCallback, useMemo } from './vendor/hooks.mjs';
export const html = htm.bind(h);

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || '';
export const ASSETS = meta('inboxd-assets');
export const TZ = meta('inboxd-timezone') || 'Asia/Jakarta';
export const LANGS = ['id', 'en'];

let messages = {};
let lang = 'id';

// loadLang fetches a catalogue and makes it current.
export async function loadLang(l) {
  if (!LANGS.includes(l)) l = 'id';
  const r = await fetch(`${ASSETS}messages/${l}.json`);
  if (!r.ok) throw new Error(`messages/${l}.json: ${r.status}`);
  messages = await r.json();
  lang = l;
  document.documentElement.lang = l;
  try { localStorage.setItem('inboxd.lang', l); } catch (_) { /* private mode */ }
  return l;
}

export function savedLang() {
  try { return localStorage.getItem('inboxd.lang') || 'id'; } catch (_) { return 'id'; }
}

export const currentLang = () => lang;

// t looks a key up and fills {name} placeholders. A missing key shows
// itself (a test checks every key used exists in every catalogue).
export function t(key, params) {
  let s = messages[key];
  if (s === undefined) return key;
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  return s;
}

const locale = () => (lang === 'id' ? 'id-ID' : 'en-GB');

// Formatters are costly to build (a list of 50 items would build hundreds):
// one per language and shape.
const formatters = new Map();
function formatter(shape) {
  const key = `${lang}/${shape}`;
  let f = formatters.get(key);
  if (!f) {
    const opts = shape === 'time' ? { hour: '2-digit', minute: '2-digit' }
      : { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' };
    f = new Intl.DateTimeFormat(locale(), { timeZone: TZ, ...opts });
    formatters.set(key, f);
  }
  return f;
}

export function fmtDateTime(iso) {
  if (!iso) return '';
  return formatter('datetime').format(new Date(iso));
}

export function fmtTime(iso) {
  return formatter('time').format(new Date(iso));
}

// fmtAge: how long ago, short ("5 mnt", "3 jam", "2 hr").
export function fmtAge(iso, now = Date.now()) {
  const s = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (s < 60) return t('age.now');
  if (s < 3600) return t('age.minutes', { n: Math.floor(s / 60) });
  if (s < 86400) return t('age.hours', { n: Math.floor(s / 3600) });
  return t('age.days', { n: Math.floor(s / 86400) });
}

// fmtIn: how long until, in words ("3 jam lagi", "25 menit lagi").
export function fmtIn(iso, now = Date.now()) {
  const s = Math.max(0, (new Date(iso).getTime() - now) / 1000);
  if (s < 3600) return t('in.minutes', { n: Math.max(1, Math.ceil(s / 60)) });
  if (s < 86400) return t('in.hours', { n: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return t('in.days', { n: Math.floor(s / 86400) });
}

export function fmtDuration(seconds) {
  if (!seconds) return '–';
  if (seconds < 60) return t('dur.seconds', { n: Math.round(seconds) });
  if (seconds < 3600) return t('dur.minutes', { n: Math.round(seconds / 60) });
  if (seconds < 86400) return t('dur.hours', { n: (seconds / 3600).toFixed(1) });
  return t('dur.days', { n: (seconds / 86400).toFixed(1) });
}

// ApiError carries the problem+json answer.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  // noRoute: this server does not have the route (a feature not there yet).
  get noRoute() { return this.status === 404 && /no route matches/.test(this.problem.detail || ''); }
  fieldErrors() { return (this.problem.errors || []).map((e) => `${e.field}: ${e.detail || e.message || ''}`).join('; '); }
  get text() { const f = this.fieldErrors(); return f ? `${this.message} (${f})` : this.message; }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// api calls /api/v1 with the session cookie. A 401 on any call but the
// sign-in means the session ended: the app goes back to the sign-in form.
export async function api(method, path, body, headers = {}) {
  const opts = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(`/api/v1${path}`, opts);
  if (r.status === 204) return null;
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await r.json() : await r.text();
  if (!r.ok) {
    const err = new ApiError(r.status, typeof data === 'object' ? data : { detail: data });
    if (r.status === 401 && !(method === 'POST' && path.startsWith('/session'))) onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (path) => api('GET', path);

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined && v !== null && v !== false) u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}

export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function firstLine(text, max = 140) {
  const line = (text || '').split('\n').find((l) => l.trim()) || '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

// The item's deadline state: overdue, due soon, or on time.
export function deadlineState(it, now = Date.now()) {
  if (it.overdue) return { cls: 'late', label: t(`overdue.${it.overdue}`) };
  if (it.status === 'closed' || it.status === 'ignored') return null;
  const due = !it.first_response_at && it.first_response_due_at ? it.first_response_due_at : it.resolution_due_at;
  if (!due) return null;
  const soon = new Date(due).getTime() - now < 2 * 3600 * 1000;
  return { cls: soon ? 'soon' : 'ok', label: t('due.at', { when: fmtDateTime(due) }) };
}

// Problem text for a caught error (ApiError or another).
export const errText = (e) => (e instanceof ApiError ? e.text : String(e?.message || e));

export function go(hash) { if (location.hash !== hash) location.hash = hash; }
