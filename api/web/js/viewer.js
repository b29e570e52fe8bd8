// The calendar's pages at full resolution, one at a time: zoom (buttons, + − 0, Ctrl+wheel), pan (drag, or the
// arrow keys once zoomed in), previous/next page (buttons, PageUp/PageDown, or ←/→ while the page fits), and each
// page's print quality from the render report beside it.
import { h } from './dom.js';
import { t } from './i18n.js';

const ZOOMS = [1, 1.5, 2, 3, 4]; // × the fitted size; the last ones show the 1600 px page pixel for pixel or more
const PRINT_DPI = 300;

function qualityText(report) {
  if (!report || report.effective_dpi == null) return '';
  const dpi = Math.round(report.effective_dpi);
  // "AI upscaled (…)" (a model redrew the detail: the print copy) or the renderer's classical upscale, which adds none.
  if (report.upscaled_with) {
    const key = report.upscaled_with.includes('classical') ? 'viewer.dpiUpscaled' : 'viewer.dpiAiUpscaled';
    return t(key, { source: Math.floor(report.source_dpi), dpi, needed: PRINT_DPI });
  }
  return t(dpi >= PRINT_DPI ? 'viewer.dpiGood' : 'viewer.dpiLow', { dpi, needed: PRINT_DPI });
}

/** pages: [{ url, label, report }], report = the render report's entry ({ effective_dpi, warnings }) or null. */
export function openViewer(pages, start) {
  const dialog = document.getElementById('dialog');
  let index = start;
  let zoom = 0; // index into ZOOMS
  let drag = null;

  const image = h('img', { class: 'viewer-image', alt: '', draggable: false });
  const stage = h('div', { class: 'viewer-stage', id: 'viewer-stage', tabindex: '0', role: 'region',
                           'aria-label': t('viewer.stage') }, image);
  const title = h('h2', { class: 'viewer-title', id: 'viewer-title', 'aria-live': 'polite' });
  const quality = h('p', { class: 'viewer-quality', id: 'viewer-quality' });
  const button = (id, text, label, onclick) => h('button', { type: 'button', class: 'button small', id, text,
                                                             'aria-label': label, onclick });
  const previous = button('viewer-previous', '‹', t('viewer.previous'), () => show(index - 1));
  const next = button('viewer-next', '›', t('viewer.next'), () => show(index + 1));
  const zoomOut = button('viewer-zoom-out', '−', t('viewer.zoomOut'), () => setZoom(zoom - 1));
  const fit = button('viewer-fit', t('viewer.fit'), t('viewer.fitLabel'), () => setZoom(0));
  const zoomIn = button('viewer-zoom-in', '+', t('viewer.zoomIn'), () => setZoom(zoom + 1));
  const close = button('viewer-close', '×', t('common.close'), () => dialog.close());

  function fitted() {
    const natural = { w: image.naturalWidth || 1, h: image.naturalHeight || 1 };
    const scale = Math.min(stage.clientWidth / natural.w, stage.clientHeight / natural.h, 1);
    return natural.w * scale;
  }

  function setZoom(next) {
    const previousWidth = image.getBoundingClientRect().width || 1;
    zoom = Math.max(0, Math.min(ZOOMS.length - 1, next));
    // Keep the point at the centre of the view where it was.
    const centre = { x: (stage.scrollLeft + stage.clientWidth / 2) / previousWidth,
                     y: (stage.scrollTop + stage.clientHeight / 2) / (image.getBoundingClientRect().height || 1) };
    image.style.width = `${Math.round(fitted() * ZOOMS[zoom])}px`;
    const box = image.getBoundingClientRect();
    stage.scrollLeft = centre.x * box.width - stage.clientWidth / 2;
    stage.scrollTop = centre.y * box.height - stage.clientHeight / 2;
    stage.classList.toggle('is-zoomed', zoom > 0);
    zoomOut.disabled = zoom === 0;
    fit.disabled = zoom === 0;
    zoomIn.disabled = zoom === ZOOMS.length - 1;
    image.dataset.zoom = String(ZOOMS[zoom]);
  }

  function show(next) {
    index = (next + pages.length) % pages.length;
    const page = pages[index];
    title.textContent = t('viewer.title', { page: page.label, n: index + 1, total: pages.length });
    image.alt = page.label;
    const report = page.report;
    quality.textContent = qualityText(report);
    // An upscaled photo reaches the DPI but not the detail: shown as a caution, like a low one.
    quality.classList.toggle('is-low', Boolean(report && (report.upscaled_with
      || (report.effective_dpi != null && report.effective_dpi < PRINT_DPI))));
    image.onload = () => setZoom(0);
    image.src = page.url;
  }

  stage.addEventListener('pointerdown', (event) => {
    if (zoom === 0) return;
    drag = { x: event.clientX, y: event.clientY, left: stage.scrollLeft, top: stage.scrollTop };
    stage.setPointerCapture(event.pointerId);
  });
  stage.addEventListener('pointermove', (event) => {
    if (!drag) return;
    stage.scrollLeft = drag.left - (event.clientX - drag.x);
    stage.scrollTop = drag.top - (event.clientY - drag.y);
  });
  stage.addEventListener('pointerup', () => { drag = null; });
  stage.addEventListener('wheel', (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    setZoom(zoom + (event.deltaY < 0 ? 1 : -1));
  }, { passive: false });

  function onKey(event) {
    if (event.altKey || event.metaKey || (event.ctrlKey && event.key !== '0')) return;
    const actions = {
      '+': () => setZoom(zoom + 1), '=': () => setZoom(zoom + 1), '-': () => setZoom(zoom - 1),
      0: () => setZoom(0), PageDown: () => show(index + 1), PageUp: () => show(index - 1),
      Home: () => show(0), End: () => show(pages.length - 1),
    };
    // Zoomed in, the arrows pan (the stage scrolls natively); fitted, they turn the pages.
    if (zoom === 0) Object.assign(actions, { ArrowRight: () => show(index + 1), ArrowLeft: () => show(index - 1) });
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
  dialog.addEventListener('keydown', onKey);
  dialog.addEventListener('close', () => {
    dialog.removeEventListener('keydown', onKey);
    dialog.classList.remove('viewer-dialog');
  }, { once: true });

  dialog.classList.add('viewer-dialog');
  dialog.replaceChildren(h('div', { class: 'viewer', role: 'group', 'aria-labelledby': 'viewer-title' },
    h('div', { class: 'viewer-bar' }, title,
      h('div', { class: 'viewer-tools' }, previous, next, zoomOut, fit, zoomIn, close)),
    stage,
    h('div', { class: 'viewer-foot' }, quality, h('p', { class: 'viewer-keys', text: t('viewer.keys') }))));
  dialog.showModal();
  show(start);
  stage.focus();
}
