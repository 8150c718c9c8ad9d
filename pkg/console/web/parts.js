// Small pieces several screens share.
import { html, useState, useEffect, t, get } from './lib.js';

export const STATUSES = ['new', 'open', 'answered', 'closed', 'ignored'];
export const CHANNELS = ['facebook', 'twitter', 'instagram'];
export const KINDS = ['message', 'comment', 'mention'];
export const REPLY_STATES = ['queued', 'sending', 'sent', 'failed', 'unknown', 'cancelled'];

const CHANNEL_ICON = { facebook: 'f', twitter: 'X', instagram: 'IG' };

// Kind icons are inline SVG: no icon font, no emoji font needed.
const KIND_PATH = {
  message: 'M2 4h16v12H2z M2 4l8 7 8-7',
  comment: 'M3 4h14v9H8l-4 4v-4H3z',
  mention: 'M13 10a3 3 0 1 1-6 0 3 3 0 0 1 6 0v1.5a2 2 0 0 0 4 0V10a7 7 0 1 0-3 5.7',
};

function KindIcon({ kind }) {
  return html`<svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true" focusable="false">
    <path d=${KIND_PATH[kind] || 'M4 4h12v12H4z'} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" /></svg>`;
}

export function StatusChip({ status }) {
  return html`<span class=${`chip st-${status}`}>${t(`status.${status}`)}</span>`;
}

export function ReplyChip({ state }) {
  return html`<span class=${`chip rs-${state}`} data-state=${state}>${t(`reply.${state}`)}</span>`;
}

// ItemBadges: channel, account and kind, as icons with labels for screen
// readers.
export function ItemBadges({ it }) {
  return html`<span class="badges">
    <span class=${`ico ch-${it.channel}`} title=${t(`channel.${it.channel}`)} aria-label=${t(`channel.${it.channel}`)} role="img">${CHANNEL_ICON[it.channel] || '?'}</span>
    <span class="acct">${it.account}</span>
    <span class="ico kind" title=${t(`kind.${it.kind}`)} aria-label=${t(`kind.${it.kind}`)} role="img"><${KindIcon} kind=${it.kind} /></span>
  </span>`;
}

// Units and accounts are read once per page load.
let unitsCache = null;
let accountsCache = null;

export function useUnits() {
  const [u, setU] = useState(unitsCache || { list: [], byCode: {}, configured: false });
  useEffect(() => {
    if (unitsCache) return;
    get('/units').then((r) => {
      const list = r.units || [];
      unitsCache = { list, byCode: Object.fromEntries(list.map((x) => [x.code, x])), configured: !!r.configured, raw: r };
      setU(unitsCache);
    }, () => {});
  }, []);
  return u;
}

export function useAccounts() {
  const [a, setA] = useState(accountsCache || []);
  useEffect(() => {
    if (accountsCache) return;
    get('/accounts').then((r) => { accountsCache = r.accounts || []; setA(accountsCache); }, () => {});
  }, []);
  return a;
}

// Unavailable says that the server does not offer a feature yet.
export function Unavailable({ what }) {
  return html`<p class="notice unavailable" role="status">${t('common.unavailable', { what })}</p>`;
}
