// Laporan: the monthly report the API renders (GET /api/v1/reports/monthly),
// shown in a frame, printable, with CSV and HTML downloads.
import { html, useState, useEffect, useRef, t, get, qs, TZ, errText } from './lib.js';
import { useUnits } from './parts.js';

// thisMonth is YYYY-MM in the office's time zone.
function thisMonth() {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit' }).formatToParts(new Date());
  return `${p.find((x) => x.type === 'year').value}-${p.find((x) => x.type === 'month').value}`;
}

export function Report({ me }) {
  const [month, setMonth] = useState(thisMonth());
  const [unit, setUnit] = useState(me.unit || '');
  const [state, setState] = useState('loading'); // loading, ok, missing, error
  const [err, setErr] = useState('');
  const units = useUnits();
  const frame = useRef(null);

  const base = `/api/v1/reports/monthly${qs({ month, unit })}`;
  const url = (format) => `/api/v1/reports/monthly${qs({ month, unit, format })}`;

  useEffect(() => {
    let stale = false;
    setState('loading');
    get(`/reports/monthly${qs({ month, unit })}`).then(() => { if (!stale) setState('ok'); }, (e) => {
      if (stale) return;
      if (e.noRoute) setState('missing'); else { setErr(errText(e)); setState('error'); }
    });
    return () => { stale = true; };
  }, [month, unit]);

  return html`<section class="report" aria-labelledby="report-h">
    <h1 id="report-h">${t('nav.report')}</h1>
    <form class="row noprint" onSubmit=${(e) => e.preventDefault()}>
      <label>${t('report.month')}<input type="month" id="r-month" value=${month} onChange=${(e) => e.target.value && setMonth(e.target.value)} /></label>
      ${!me.unit && html`<label>${t('report.unit')}<select id="r-unit" value=${unit} onChange=${(e) => setUnit(e.target.value)}>
        <option value="">${t('report.allunits')}</option>
        ${units.list.map((u) => html`<option value=${u.code}>${u.short || u.code}</option>`)}
      </select></label>`}
      ${state === 'ok' && html`<span class="row-actions">
        <button type="button" id="r-print" onClick=${() => frame.current?.contentWindow?.print()}>${t('report.print')}</button>
        <a class="button" id="r-csv" href=${url('csv')} download=${`laporan-${month}${unit ? `-${unit}` : ''}.csv`}>${t('report.csv')}</a>
        <a class="button" id="r-html" href=${url('html')} download=${`laporan-${month}${unit ? `-${unit}` : ''}.html`}>${t('report.html')}</a>
      </span>`}
    </form>
    ${state === 'loading' && html`<p class="loading" role="status">${t('common.loading')}</p>`}
    ${state === 'missing' && html`<p class="notice unavailable" role="status">${t('report.missing')}</p>`}
    ${state === 'error' && html`<p class="error" role="alert">${err}</p>`}
    ${state === 'ok' && html`<iframe ref=${frame} class="report-frame" title=${t('report.frame', { month })} src=${url('html')} data-base=${base}></iframe>`}
  </section>`;
}
