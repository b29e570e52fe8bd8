// Step 2: the theme. The 10 themes as a grid (preview, description, price), the preview-mode switch, the year and
// language and title of the calendar, and — before anything starts — the price and the server's time estimate.
import { api, loadConfig, loadTemplates } from './api.js';
import { alertBox, busy, clear, errorMessage, h, picture } from './dom.js';
import { formatEta, formatMoney, getLang, t, themeText } from './i18n.js';
import { applyThemeAccent } from './colours.js';
import { clearDraft, loadDraft, priceOf, saveDraft } from './draft.js';
import { resetUploads } from './upload.js';

function themeCard(template, checked, onPick) {
  const text = themeText(template);
  const input = h('input', { type: 'radio', name: 'template', value: String(template.id), class: 'visually-hidden',
                             checked, onchange: () => onPick(template) });
  const swatches = h('span', { class: 'swatches', 'aria-hidden': 'true' },
    (template.color_scheme || []).map((colour) => h('span', { class: 'swatch', style: `background:${colour}` })));
  const card = h('label', { class: 'theme-card', dataset: { theme: template.theme } }, input,
      h('span', { class: 'theme-preview' },
        template.preview_url ? picture(h('img', { src: template.preview_url, alt: '', loading: 'lazy',
          decoding: 'async' }), template.preview_webp_url)
          : null),
      h('span', { class: 'theme-body' },
        h('span', { class: 'theme-name', text: text.name }),
        h('span', { class: 'theme-description', text: text.description }),
        h('span', { class: 'theme-footer' }, swatches,
          h('span', { class: 'theme-price', text: t('theme.priceFrom', { price: formatMoney(template.price) }) }))));
  applyThemeAccent(card, template.color_scheme); // the selected frame and the price badge in the theme's colour
  return h('li', { class: 'theme-item' }, card);
}

export async function renderTemplates(view, ctx) {
  const draft = loadDraft();
  if (!draft.photoIds.length) {
    location.replace('#/new');
    return;
  }
  const [templates, config] = await Promise.all([loadTemplates(), loadConfig()]);
  if (!ctx.isCurrent()) return;
  let chosen = templates.find((tpl) => tpl.id === draft.templateId) || null;
  const error = alertBox();
  const summary = h('div', { class: 'summary', id: 'summary', 'aria-live': 'polite' });
  const start = h('button', { type: 'button', class: 'button primary big', id: 'start-generation',
                              text: t('theme.start') });
  // The price the server quotes (and holds for 15 minutes), and one key per start: a retried click or request
  // answers the same generation instead of paying for a second one.
  let quote = null;
  let quoteRequest = 0;
  const startKey = `start-${Date.now()}-${Math.random().toString(36).slice(2)}`;

  const preview = h('input', { type: 'checkbox', id: 'preview-mode', role: 'switch', checked: draft.preview,
                               onchange: () => { saveDraft({ preview: preview.checked }); update(); } });
  const thisYear = new Date().getFullYear();
  const year = h('select', { id: 'calendar-year', onchange: () => saveDraft({ year: Number(year.value) }) },
    [thisYear, thisYear + 1, thisYear + 2].map((y) => h('option', { value: String(y), text: String(y),
                                                                    selected: y === draft.year })));
  const locale = h('select', { id: 'calendar-locale', onchange: () => {
    saveDraft({ locale: locale.value });
    if (chosen) title.placeholder = themeText(chosen, locale.value).name;
  } },
    ['uk', 'en'].map((code) => h('option', { value: code, text: t(`lang.${code}`),
                                             selected: code === (draft.locale || getLang()) })));
  // Empty: the server prints the theme's name in the calendar's language, which the placeholder shows.
  const title = h('input', { id: 'new-title', type: 'text', maxlength: 80, value: draft.title || '',
                             'aria-describedby': 'new-title-hint',
                             oninput: () => saveDraft({ title: title.value }) });

  const etaLine = h('p', { class: 'summary-eta', id: 'summary-eta' });
  function update() {
    const isPreview = preview.checked;
    const count = isPreview ? config.preview_variant_count : config.variant_count;
    if (!chosen) {
      clear(summary, h('p', { class: 'summary-empty', text: t('theme.chooseFirst') }));
      applyThemeAccent(startBox, null);
      start.disabled = true;
      return;
    }
    const text = themeText(chosen);
    title.placeholder = themeText(chosen, locale.value).name;
    applyThemeAccent(startBox, chosen.color_scheme);
    clear(summary,
      h('p', { class: 'summary-title' }, t('theme.summaryTheme'), ' ', h('strong', { text: text.name })),
      h('p', { class: 'summary-price', id: 'summary-price' },
        t('theme.summaryPrice', { n: count, price: formatMoney(priceOf(chosen, isPreview)) })),
      etaLine,
      h('p', { class: 'summary-photos', text: t('theme.summaryPhotos', { n: loadDraft().photoIds.length }) }),
      h('p', { class: 'summary-balance', id: 'summary-balance' }),
      h('p', { class: 'field-hint', id: 'summary-terms', text: t('theme.paymentTerms') }),
      isPreview ? h('p', { class: 'field-hint', text: t('theme.previewNote') }) : null);
    start.disabled = false;
    requestQuote(isPreview, count);
  }

  /** Price, balance and time estimate are the server's (POST /api/calendars/quote): measured, never made up here. */
  async function requestQuote(isPreview, count) {
    const mine = ++quoteRequest;
    quote = null;
    etaLine.textContent = t('theme.summaryEtaPending');
    try {
      const answer = await api('/api/calendars/quote', { method: 'POST', json: {
        template_id: chosen.id, photo_ids: loadDraft().photoIds, preview: isPreview } });
      if (mine !== quoteRequest || !ctx.isCurrent()) return;
      quote = answer;
      document.getElementById('summary-price').textContent =
        t('theme.summaryPrice', { n: count, price: formatMoney(answer.price_uah) });
      const balance = document.getElementById('summary-balance');
      balance.textContent = t('theme.balance', { balance: formatMoney(answer.balance_uah) });
      balance.classList.toggle('short', answer.balance_uah < answer.price_uah);
      etaLine.textContent = t('theme.summaryEta', { time: formatEta(answer.eta_seconds),
        training: answer.model === 'train' ? t('theme.summaryEtaTraining') : '' });
    } catch {
      quote = null; // the start quotes today's price itself; the page keeps the template's
      if (mine === quoteRequest) etaLine.textContent = '';
    }
  }

  const startBox = h('div', { class: 'start-box' }, summary, h('div', { class: 'start-actions' }, error, start));
  const grid = h('ul', { class: 'theme-grid' }, templates.map((tpl) => themeCard(tpl, chosen && chosen.id === tpl.id, (picked) => {
      chosen = picked;
      saveDraft({ templateId: picked.id });
      update();
    })));

  start.addEventListener('click', async () => {
    error.show('');
    const current = loadDraft();
    try {
      const started = await busy(start, () => api('/api/calendars/generate', {
        method: 'POST', headers: { 'Idempotency-Key': startKey }, json: {
          template_id: chosen.id, photo_ids: current.photoIds, preview: preview.checked,
          year: Number(year.value), locale: locale.value, title: title.value.trim() || null,
          quote_id: quote && quote.preview === preview.checked && quote.template_id === chosen.id
            ? quote.quote_id : null } }), t('theme.starting'));
      clearDraft();
      resetUploads();
      location.hash = `#/job/${started.job_id}`;
    } catch (err) {
      error.show(errorMessage(err));
    }
  });

  view.replaceChildren(h('section', { class: 'panel' },
    h('div', { class: 'panel-head' },
      h('h1', { text: t('theme.title') }),
      h('a', { href: '#/new', class: 'button ghost', text: t('theme.back') })),
    // Native radios in a fieldset: the group has a name and arrow keys move between the themes.
    h('fieldset', { class: 'theme-fieldset' }, h('legend', { class: 'visually-hidden', text: t('theme.title') }), grid),
    h('div', { class: 'options-bar' },
      h('div', { class: 'option switch-option' },
        h('label', { class: 'switch', for: 'preview-mode' }, preview, h('span', { class: 'switch-track' }),
          h('span', { class: 'switch-text' },
            h('strong', { text: t('theme.previewMode') }), h('span', { text: t('theme.previewModeHint') })))),
      h('div', { class: 'option' }, h('label', { for: 'calendar-year', text: t('theme.year') }), year),
      h('div', { class: 'option' }, h('label', { for: 'calendar-locale', text: t('theme.calendarLanguage') }),
        locale),
      h('div', { class: 'option title-option' }, h('label', { for: 'new-title', text: t('calendar.titleLabel') }),
        title, h('span', { class: 'field-hint', id: 'new-title-hint', text: t('theme.titleHint') }))),
    startBox));
  update();
}
