// Step 3: one generation, live. The progress bar ("Step 3 of 5 · Generation: 11 of 24 variants ready… 45%", the step bar's words), the ETA, how long
// the variants are kept, the live connection's state; the gallery fills as variants finish. Leaving is fine: the
// job is listed under "My calendars" and this page picks up where it is.
import { api, loadTemplates } from './api.js';
import { clear, errorMessage, h, openDialog, toast } from './dom.js';
import { formatDateTime, formatEta, maybeT, t, themeText } from './i18n.js';
import { applyThemeAccent } from './colours.js';
import { Gallery } from './gallery.js';
import { LiveJob, isTerminal } from './live.js';

const REFRESH_AFTER_IMAGE_ERROR_MS = 20000;

export function stepText(job) {
  const percent = job.progress;
  switch (job.status) {
    case 'pending': return t('job.stepPending');
    case 'training': return t('job.stepTraining', { percent });
    case 'generating': return t('job.stepGenerating', { n: job.variant_count, percent,
                                                        ready: job.generated_variants_count });
    case 'ready_for_selection': return t('job.stepSelect', { n: job.variant_count });
    case 'finalizing': return t('job.stepFinalizing', { percent });
    default: return t(`status.${job.status}`);
  }
}

export async function renderJob(view, ctx) {
  const jobId = Number(ctx.params[0]);
  const [first, templates] = await Promise.all([
    api(`/api/calendars/generate/${jobId}/status`), loadTemplates().catch(() => [])]);
  if (!ctx.isCurrent()) return;
  if (first.status === 'completed' && first.generated_calendar_id) {
    location.replace(`#/calendar/${first.generated_calendar_id}`);
    return;
  }
  const template = templates.find((tpl) => tpl.id === first.template_id);
  const themeName = template ? themeText(template).name : `#${first.template_id}`;
  let job = first;

  const fill = h('div', { class: 'progress-fill' });
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100',
                         'aria-labelledby': 'step-text' }, fill);
  const step = h('p', { class: 'step-text', id: 'step-text' });
  const eta = h('p', { class: 'eta', id: 'eta' });
  const expiry = h('p', { class: 'expiry', id: 'expiry' });
  const liveBadge = h('span', { class: 'live-badge', id: 'live-state', role: 'status' });
  const message = h('div', { class: 'job-message', id: 'job-message', role: 'alert', hidden: true });
  const cancel = h('button', { type: 'button', class: 'button ghost danger', id: 'cancel-job',
                               text: t('job.cancel'), onclick: () => askCancel() });
  const leaveNote = h('p', { class: 'field-hint', id: 'leave-note', text: t('job.leaveNote') });
  let live = null;

  const gallery = new Gallery({
    jobId, preview: first.preview, variantCount: first.variant_count,
    onSubmitted: (answer) => {
      if (answer && answer.months) {
        gallery.board.forget();
        location.hash = `#/calendar/${answer.id}`;
      } else {
        toast(t('job.finalizingToast'));
        update({ ...job, status: 'finalizing' });
      }
    },
    onImageError: throttle(() => live && live.refresh().catch(() => {}), REFRESH_AFTER_IMAGE_ERROR_MS),
  });

  /** Only the server's estimate (services/eta.py, from measured latencies): the page makes up no number. */
  function etaText() {
    if (job.eta_seconds == null) return '';
    const time = formatEta(job.eta_seconds);
    return t(job.status === 'finalizing' ? 'job.etaFinalizing' : 'job.etaLeft', { time });
  }

  function update(next) {
    job = next;
    // Every variant made is the generation step done: the bar shows it full, not the stage's 90.
    const done = job.status === 'ready_for_selection';
    const percent = done ? 100 : Math.max(0, Math.min(100, job.progress || 0));
    fill.style.width = `${percent}%`;
    bar.setAttribute('aria-valuenow', String(percent));
    bar.setAttribute('aria-valuetext', stepText(job));
    bar.hidden = isTerminal(job.status);
    step.textContent = stepText(job);
    step.dataset.status = job.status;
    eta.textContent = etaText();
    expiry.textContent = job.expires_at && ['ready_for_selection'].includes(job.status)
      ? t('job.keptUntil', { date: formatDateTime(job.expires_at) }) : '';
    // While choosing, a cancel would only delete the variants the customer is looking at: not offered there.
    cancel.hidden = isTerminal(job.status) || ['ready_for_selection', 'finalizing'].includes(job.status);
    leaveNote.hidden = isTerminal(job.status) || job.status === 'ready_for_selection';
    ctx.setStep({ ready_for_selection: 4, finalizing: 5 }[job.status] || 3);
    gallery.setStage(job.status, job.variant_count);
    showOutcome();
  }

  function showOutcome() {
    const outcome = {
      failed: t('job.failed', { reason: jobError(job) }),
      expired: t('job.expired'),
      cancelled: t('job.cancelled'),
    }[job.status];
    if (job.status === 'completed' && job.generated_calendar_id) {
      gallery.board.forget();
      toast(t('job.completedToast'));
      location.hash = `#/calendar/${job.generated_calendar_id}`;
      return;
    }
    if (job.error && job.status === 'ready_for_selection') {
      message.hidden = false;
      message.className = 'job-message alert alert-error';
      message.textContent = jobError(job);
      return;
    }
    message.hidden = !outcome;
    if (outcome) {
      message.className = 'job-message alert alert-error';
      clear(message, h('p', { text: outcome }),
        h('a', { href: '#/new', class: 'button primary', text: t('job.startAgain') }));
      gallery.root.hidden = job.status !== 'failed' || gallery.variants.size === 0;
    }
  }

  async function askCancel() {
    const explain = t('job.cancelExplain', { n: job.generated_variants_count });
    const confirmed = await openDialog(t('job.cancelTitle'), h('p', { id: 'cancel-explain', text: explain }), {
      submitLabel: t('job.cancelConfirm'), cancelLabel: t('job.cancelKeep'),
      onSubmit: () => api(`/api/calendars/generate/${jobId}`, { method: 'DELETE' }),
    });
    if (confirmed) toast(t('job.cancelling'));
  }

  const modes = {
    connecting: ['job.liveConnecting', 'is-waiting'], live: ['job.liveOn', 'is-live'],
    reconnecting: ['job.liveReconnecting', 'is-waiting'], polling: ['job.livePolling', 'is-polling'],
    offline: ['job.liveOffline', 'is-offline'], done: ['', 'is-done'],
  };
  live = new LiveJob(jobId, {
    snapshot: (body) => {
      gallery.setVariants(body.variants || []);
      update(body);
    },
    status: (body) => update({ ...body, variants: undefined }),
    variant: (variant) => gallery.upsert(variant),
    mode: (mode) => {
      const [key, css] = modes[mode];
      liveBadge.textContent = key ? t(key) : '';
      liveBadge.className = `live-badge ${css}`;
      liveBadge.hidden = !key;
    },
    fatal: (err) => {
      message.hidden = false;
      message.className = 'job-message alert alert-error';
      message.textContent = errorMessage(err);
    },
  });

  const page = h('div', { class: 'job-page' },
    h('section', { class: 'panel progress-panel', 'aria-labelledby': 'job-title' },
      h('div', { class: 'panel-head' },
        h('div', {},
          h('h1', { id: 'job-title', text: t('job.title', { theme: themeName }) }),
          h('p', { class: 'job-meta', text: t(job.preview ? 'job.metaPreview' : 'job.meta', {
            n: job.variant_count, date: formatDateTime(job.created_at) }) })),
        liveBadge),
      bar, step, eta, expiry, message,
      h('div', { class: 'actions split' }, leaveNote, cancel)),
    gallery.root);
  if (template) applyThemeAccent(page, template.color_scheme);
  view.replaceChildren(page);
  update(first);
  gallery.setVariants(first.variants || []);
  if (!isTerminal(first.status)) {
    live.start();
    ctx.onCleanup(() => live.stop());
  }
}

/** A failed or refused generation in the user's words, chosen by its `error_code` (the server's text stays unshown). */
function jobError(job) {
  if (!job.error_code) return '';
  return maybeT(`jobError.${job.error_code}`) ?? t('jobError.unknown');
}

function throttle(fn, ms) {
  let last = 0;
  return () => {
    if (Date.now() - last < ms) return;
    last = Date.now();
    fn();
  };
}
