// The live connection: one EventSource on /api/v1/events (the session
// cookie authenticates it; a unit-scoped officer's stream carries only
// their unit's events). Screens subscribe to the events they show.
import { api } from './lib.js';

const TYPES = ['item.created', 'item.updated', 'item.overdue', 'item.moved_out',
  'reply.queued', 'reply.sent', 'reply.failed', 'reply.updated', 'reset'];

let source = null;
const listeners = new Set();
let stateListener = () => {};

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// onState is told 'open', 'connecting' or 'closed'.
export function onState(fn) { stateListener = fn; }

function emit(type, data) {
  for (const fn of listeners) {
    try { fn(type, data); } catch (e) { console.error(e); }
  }
}

export function start() {
  stop();
  const es = new EventSource('/api/v1/events');
  source = es;
  es.onopen = () => stateListener('open');
  es.onerror = () => {
    if (source !== es) return;
    if (es.readyState === EventSource.CLOSED) {
      // The server refused to reconnect (401 after sign-out, disabling,
      // or a new role): the session check sends us to the sign-in form.
      stateListener('closed');
      source = null;
      api('GET', '/session').then(() => setTimeout(() => { if (!source) start(); }, 5000), () => {});
    } else {
      stateListener('connecting');
      // The stream ended (e.g. the server ended this user's sessions):
      // check the session now rather than waiting for the next call.
      api('GET', '/session').catch(() => {});
    }
  };
  for (const type of TYPES) {
    es.addEventListener(type, (ev) => {
      let data = null;
      try { data = ev.data ? JSON.parse(ev.data) : null; } catch (_) { data = null; }
      emit(type, data);
    });
  }
}

export function stop() {
  if (source) {
    source.close();
    source = null;
    stateListener('closed');
  }
}

export const isOpen = () => !!source && source.readyState === EventSource.OPEN;
