// Step 5: the finished calendar. The rendered pages (cover + 12 months), edits (title, year, language, layout,
// personal dates, swapping months) that re-render it, and the print-ready PDF.
import { api, downloadName, fetchBlob, loadTemplates } from './api.js';
import { alertBox, busy, clear, errorMessage, h, picture, toast } from './dom.js';
import { coverTitle, monthName, t, themeText } from './i18n.js';
import { applyThemeAccent } from './colours.js';
import { ratingPanel } from './rating.js';
import { openViewer } from './viewer.js';

const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);
const PAGE_RETRY_MS = 3000;
const MAX_FAILED_LOADS = 5; // pages that still will not load after this many fresh links: say so

export async function renderCalendar(view, ctx) {
  const calendarId = Number(ctx.params[0]);
  const [first, templates] = await Promise.all([
    api(`/api/calendars/${calendarId}`), loadTemplates().catch(() => [])]);
  let calendar = first;
  if (!ctx.isCurrent()) return;
  const template = templates.find((tpl) => tpl.id === calendar.template_id);
  let retryTimer = null;
  let failedLoads = 0;
  ctx.onCleanup(() => clearTimeout(retryTimer));

  const heading = h('h1', { id: 'calendar-title' });
  const pages = h('div', { class: 'pages', id: 'pages', 'aria-live': 'polite' });
  const pagesNote = h('p', { class: 'field-hint', id: 'pages-note' });
  const downloadError = alertBox();
  const download = h('button', { type: 'button', class: 'button primary big', id: 'download-pdf',
                                 text: t('calendar.download'), onclick: () => downloadPdf() });

  function title() {
    return coverTitle(calendar.title || t('calendar.defaultTitle', { year: '' }), calendar.year);
  }

  /** Month images straight from the DTO: shown at once, and whenever the rendered pages aren't there yet. */
  function monthTiles() {
    return h('ol', { class: 'page-grid months-only' }, calendar.months.map((m) => h('li', { class: 'page-tile' },
      picture(h('img', { src: m.thumbnail_url, alt: monthName(m.month), loading: 'lazy' }), m.thumbnail_webp_url),
      h('span', { class: 'page-label', text: monthName(m.month) }))));
  }

  /** The rendered pages by their signed links (docs/media.md): the browser, a proxy or a CDN caches them. */
  function loadPages() {
    clearTimeout(retryTimer);
    retryTimer = null;
    heading.textContent = title();
    download.disabled = !calendar.pdf_url;
    if (!calendar.preview_urls.length) {
      pagesNote.textContent = t('calendar.pagesPending');
      clear(pages, monthTiles());
      retryLater();
      return;
    }
    // What was done for print quality is said next to the pages, not only in the report.
    // Only a classical upscale is worth a note: an AI one (Replicate's print copies) prints sharp.
    const upscaled = (calendar.render_report || [])
      .filter((report) => (report.upscaled_with || '').includes('classical')).length;
    pagesNote.textContent = upscaled ? t('calendar.upscaledNote', { n: upscaled }) : '';
    const [cover, ...monthPages] = calendar.preview_urls;
    // WebP copies in the same order; calendars rendered before they existed have none (JPEG only).
    const webp = (n) => calendar.preview_webp_urls[n];
    clear(pages,
      h('figure', { class: 'cover-page' }, pageButton(cover, webp(0), t('calendar.cover'), 'page-0'),
        h('figcaption', { text: t('calendar.cover') })),
      h('ol', { class: 'page-grid' }, monthPages.map((url, i) => h('li', { class: 'page-tile' },
        pageButton(url, webp(i + 1), monthName(i + 1), `page-${i + 1}`),
        h('span', { class: 'page-label', text: monthName(i + 1) })))));
  }

  /** A page that will not load: re-rendered meanwhile (old keys deleted) or its link expired — fresh links. */
  function pageFailed() {
    if (retryTimer || !ctx.isCurrent()) return;
    failedLoads += 1;
    if (failedLoads > MAX_FAILED_LOADS) {
      clear(pages, h('p', { class: 'alert alert-error', role: 'alert',
                            text: t('calendar.pagesFailed', { reason: t('error.notFound') }) }), monthTiles());
      return;
    }
    pagesNote.textContent = t('calendar.pagesPending');
    retryLater();
  }

  function retryLater() {
    retryTimer = setTimeout(() => { retryTimer = null; reload(); }, PAGE_RETRY_MS);
  }

  /** Every page for the viewer: full resolution, its name, and its print quality from the render report. */
  function viewerPages() {
    const reports = new Map((calendar.render_report || []).map((report) => [report.page, report]));
    return calendar.preview_urls.map((url, n) => ({
      url, label: n === 0 ? t('calendar.cover') : monthName(n), report: reports.get(n) || null }));
  }

  function pageButton(url, webpUrl, label, id) {
    const number = Number(id.split('-')[1]);
    return h('button', { type: 'button', class: 'page-zoom', 'aria-label': t('calendar.zoomPage', { page: label }),
                         onclick: () => openViewer(viewerPages(), number) },
      picture(h('img', { src: url, alt: label, id, loading: 'lazy', onerror: pageFailed }), webpUrl));
  }

  async function reload() {
    try {
      calendar = await api(`/api/calendars/${calendarId}`);
      if (ctx.isCurrent()) loadPages();
    } catch (err) {
      pagesNote.textContent = errorMessage(err);
    }
  }

  async function downloadPdf() {
    downloadError.show('');
    try {
      await busy(download, async () => {
        const { blob, response } = await fetchBlob(calendar.pdf_url);
        const url = URL.createObjectURL(blob);
        const link = h('a', { href: url, download: downloadName(response, `calendar-${calendar.year}.pdf`) });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
      }, t('calendar.downloading'));
    } catch (err) {
      downloadError.show(errorMessage(err));
    }
  }

  async function save(changes, button, done) {
    editError.show('');
    try {
      calendar = await busy(button, () => api(`/api/calendars/${calendarId}`, { method: 'PATCH', json: changes }),
        t('calendar.saving'));
      toast(t('calendar.saved'));
      if (done) done();
      loadPages();
      fillForm();
    } catch (err) {
      editError.show(errorMessage(err));
    }
  }

  // --- the edit form ------------------------------------------------------------------------------------
  const editError = alertBox();
  const titleInput = h('input', { id: 'edit-title', type: 'text', maxlength: 80, placeholder: t('calendar.titlePlaceholder') });
  const yearInput = h('input', { id: 'edit-year', type: 'number', min: 2000, max: 2100, required: true });
  const localeSelect = h('select', { id: 'edit-locale' },
    ['uk', 'en'].map((code) => h('option', { value: code, text: t(`lang.${code}`) })));
  const sizeSelect = h('select', { id: 'edit-size' },
    ['A4', 'A3', 'Letter'].map((size) => h('option', { value: size, text: size })));
  const orientationSelect = h('select', { id: 'edit-orientation' },
    ['portrait', 'landscape'].map((o) => h('option', { value: o, text: t(`calendar.${o}`) })));
  const weekSelect = h('select', { id: 'edit-week-start' },
    ['monday', 'sunday'].map((d) => h('option', { value: d, text: t(`calendar.${d}`) })));
  const dateRows = h('ul', { class: 'date-rows', id: 'date-rows' });
  const saveButton = h('button', { type: 'submit', class: 'button primary', id: 'save-calendar',
                                   text: t('calendar.save') });

  function dateRow(item = { date: '', label: '' }) {
    const row = h('li', { class: 'date-row' },
      h('input', { type: 'date', class: 'date-input', value: item.date, required: true,
                   'aria-label': t('calendar.dateLabel') }),
      h('input', { type: 'text', class: 'label-input', value: item.label, maxlength: 60, required: true,
                   placeholder: t('calendar.datePlaceholder'), 'aria-label': t('calendar.dateText') }),
      h('button', { type: 'button', class: 'icon-button', text: '×', 'aria-label': t('calendar.removeDate'),
                    onclick: () => row.remove() }));
    return row;
  }

  function fillForm() {
    const options = calendar.options || {};
    titleInput.value = calendar.title || '';
    if (template) titleInput.placeholder = themeText(template, calendar.locale).name; // what an empty title prints
    yearInput.value = String(calendar.year);
    localeSelect.value = calendar.locale;
    sizeSelect.value = options.page_size || 'A4';
    orientationSelect.value = options.orientation || 'portrait';
    weekSelect.value = options.week_start || 'monday';
    clear(dateRows, (options.personal_dates || []).map(dateRow));
  }

  const form = h('form', { class: 'edit-form', id: 'edit-form', novalidate: true },
    h('h2', { text: t('calendar.editTitle') }),
    h('label', { for: 'edit-title', text: t('calendar.titleLabel') }), titleInput,
    h('div', { class: 'field-row' },
      h('div', {}, h('label', { for: 'edit-year', text: t('theme.year') }), yearInput),
      h('div', {}, h('label', { for: 'edit-locale', text: t('theme.calendarLanguage') }), localeSelect)),
    h('div', { class: 'field-row' },
      h('div', {}, h('label', { for: 'edit-size', text: t('calendar.pageSize') }), sizeSelect),
      h('div', {}, h('label', { for: 'edit-orientation', text: t('calendar.orientation') }), orientationSelect),
      h('div', {}, h('label', { for: 'edit-week-start', text: t('calendar.weekStart') }), weekSelect)),
    h('fieldset', { class: 'dates' }, h('legend', { text: t('calendar.datesTitle') }),
      h('p', { class: 'field-hint', text: t('calendar.datesHint') }), dateRows,
      h('button', { type: 'button', class: 'button small', id: 'add-date', text: t('calendar.addDate'),
                    onclick: () => { const row = dateRow(); dateRows.append(row); row.querySelector('input').focus(); } })),
    editError, saveButton);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const year = Number(yearInput.value);
    if (!Number.isInteger(year) || year < 2000 || year > 2100) return editError.show(t('calendar.badYear'));
    const personal = Array.from(dateRows.children).map((row) => ({
      date: row.querySelector('.date-input').value, label: row.querySelector('.label-input').value.trim() }));
    if (personal.some((d) => !d.date || !d.label)) return editError.show(t('calendar.incompleteDate'));
    save({ title: titleInput.value.trim(), year, locale: localeSelect.value, page_size: sizeSelect.value,
           orientation: orientationSelect.value, week_start: weekSelect.value, personal_dates: personal },
         saveButton);
  });

  // --- swapping months ----------------------------------------------------------------------------------
  const monthSelect = (id, selected) => h('select', { id },
    MONTHS.map((m) => h('option', { value: String(m), text: monthName(m), selected: m === selected })));
  const swapA = monthSelect('swap-a', 1);
  const swapB = monthSelect('swap-b', 2);
  const swapButton = h('button', { type: 'button', class: 'button', id: 'swap-months', text: t('calendar.swap') });
  swapButton.addEventListener('click', () => {
    if (swapA.value === swapB.value) return editError.show(t('calendar.swapSame'));
    save({ swap_months: [Number(swapA.value), Number(swapB.value)] }, swapButton);
  });

  const page = h('div', { class: 'calendar-page' },
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' },
        h('div', {}, h('p', { class: 'eyebrow', text: t('calendar.ready') }), heading),
        h('div', { class: 'download-box' }, download, downloadError)),
      pagesNote, pages),
    h('section', { class: 'panel edit-panel' }, form,
      h('div', { class: 'swap-box' }, h('h2', { text: t('calendar.swapTitle') }),
        h('div', { class: 'field-row align-end' },
          h('div', {}, h('label', { for: 'swap-a', text: t('calendar.swapFirst') }), swapA),
          h('div', {}, h('label', { for: 'swap-b', text: t('calendar.swapSecond') }), swapB),
          swapButton)),
      h('p', { class: 'field-hint', text: t('calendar.variantsDeleted') })),
    h('section', { class: 'panel rating-panel' }, ratingPanel(calendarId)));
  if (template) applyThemeAccent(page, template.color_scheme);
  view.replaceChildren(page);
  fillForm();
  loadPages();
}
