// "My calendars": every generation (running ones can be left and picked up here) and every finished calendar, each
// by its title and year, its cover once rendered, and its status.
import { api, apiAll, loadTemplates } from './api.js';
import { h } from './dom.js';
import { coverTitle, formatDateTime, formatMoney, t, themeText } from './i18n.js';
import { isTerminal } from './live.js';
import { stepText } from './job.js';
import { applyThemeAccent } from './colours.js';

function themeName(template, id) {
  return template ? themeText(template).name : `#${id}`;
}

/** The rendered cover, small; calendars rendered before covers had a thumbnail show the full page preview. */
function cover(calendar) {
  if (!calendar || !calendar.preview_urls.length) {
    return h('div', { class: 'job-cover job-cover-empty', 'aria-hidden': 'true' });
  }
  const img = h('img', { class: 'job-cover', src: calendar.cover_thumbnail_url || calendar.preview_urls[0], alt: '',
                         loading: 'lazy', decoding: 'async' });
  img.addEventListener('error', () => { img.src = calendar.preview_urls[0]; }, { once: true });
  return img;
}

function jobRow(job, templates, calendar) {
  const href = job.status === 'completed' && job.generated_calendar_id
    ? `#/calendar/${job.generated_calendar_id}` : `#/job/${job.job_id}`;
  const action = {
    ready_for_selection: 'jobs.choose', completed: 'jobs.openCalendar', failed: 'jobs.details',
    expired: 'jobs.details', cancelled: 'jobs.details',
  }[job.status] || 'jobs.follow';
  const running = !isTerminal(job.status) && job.status !== 'ready_for_selection';
  const template = templates.find((tpl) => tpl.id === job.template_id);
  // The calendar's own title once it exists; before, the one it will get (the customer's, else the theme's name
  // in the calendar's language, as services/calendar_titles.py makes it).
  const title = calendar ? calendar.title
    : job.title || (template ? themeText(template, job.locale || undefined).name : themeName(template, job.template_id));
  const year = calendar ? calendar.year : job.year;
  const row = h('li', { class: `job-row status-${job.status}`, dataset: { jobId: String(job.job_id) } },
    cover(calendar),
    h('div', { class: 'job-row-main' },
      h('h2', { class: 'job-row-title', text: coverTitle(title, year) }),
      h('p', { class: 'job-row-theme', text: `${themeName(template, job.template_id)} · ${
        t(job.preview ? 'jobs.preview' : 'jobs.full', { n: job.variant_count })}` }),
      h('p', { class: 'job-row-meta', text: t('jobs.created', { date: formatDateTime(job.created_at) }) }),
      h('p', { class: 'job-row-status' }, h('span', { class: `status-pill status-${job.status}`,
                                                      text: t(`status.${job.status}`) }),
        running ? ` ${stepText(job)}` : ''),
      running ? h('div', { class: 'progress small', role: 'progressbar', 'aria-valuenow': String(job.progress),
                           'aria-valuemin': '0', 'aria-valuemax': '100' },
        h('div', { class: 'progress-fill', style: `width:${job.progress}%` })) : null,
      job.status === 'ready_for_selection' && job.expires_at
        ? h('p', { class: 'expiry', text: t('job.keptUntil', { date: formatDateTime(job.expires_at) }) }) : null),
    h('a', { href, class: `button ${job.status === 'ready_for_selection' ? 'primary' : ''}`, text: t(action) }));
  if (template) applyThemeAccent(row, template.color_scheme); // its button and status badge in the theme's colour
  return row;
}

/** The balance, and its history behind a disclosure: every reservation, charge and refund with its generation. */
function accountBox(account) {
  if (!account) return null;
  return h('details', { class: 'account', id: 'account' },
    h('summary', {}, t('account.balance'), ' ', h('strong', { id: 'account-balance', text: formatMoney(account.balance_uah) })),
    h('ul', { class: 'ledger', id: 'ledger' }, account.entries.map((entry) => h('li', { class: `ledger-row ${entry.kind}` },
      h('span', { class: 'ledger-when', text: formatDateTime(entry.created_at) }),
      h('span', { class: 'ledger-what', text: t(`account.kind.${entry.kind}`) +
        (entry.job_id ? ` · ${t('account.generation', { id: entry.job_id })}` : '') }),
      h('span', { class: 'ledger-amount', text: `${entry.amount_uah > 0 ? '+' : ''}${formatMoney(entry.amount_uah)}` })))));
}

export async function renderJobs(view, ctx) {
  const [jobs, calendars, templates, account] = await Promise.all([
    apiAll('/api/calendars/generate'), apiAll('/api/calendars'), loadTemplates().catch(() => []),
    api('/api/account').catch(() => null)]);
  if (!ctx.isCurrent()) return;
  const calendarOf = new Map(calendars.map((calendar) => [calendar.job_id, calendar]));
  const body = jobs.length
    ? h('ul', { class: 'job-list', id: 'job-list' }, jobs.map((job) => jobRow(job, templates, calendarOf.get(job.job_id))))
    : h('div', { class: 'empty-state' },
      h('p', { class: 'lead', text: t('jobs.empty') }),
      h('a', { href: '#/new', class: 'button primary big', text: t('jobs.startFirst') }));
  view.replaceChildren(h('section', { class: 'panel' },
    h('div', { class: 'panel-head' },
      h('h1', { text: t('jobs.title') }),
      jobs.length ? h('a', { href: '#/new', class: 'button primary', text: t('nav.new') }) : null),
    accountBox(account),
    body));
  if (jobs.some((job) => !isTerminal(job.status) && job.status !== 'ready_for_selection')) {
    const timer = setTimeout(() => { if (ctx.isCurrent()) renderJobs(view, ctx); }, 5000);
    ctx.onCleanup(() => clearTimeout(timer));
  }
}
