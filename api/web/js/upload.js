// Step 1: photos. Drag & drop or a file picker, several at once; each photo uploads on its own so one bad file
// doesn't reject the others; thumbnails, the API's per-photo warnings, remove before generating.
import { api, apiAll, getUser, loadConfig } from './api.js';
import { alertBox, clear, errorMessage, formatBytes, h, openDialog, picture, toast } from './dom.js';
import { t, translateWarning } from './i18n.js';
import { BEST_MAX_PHOTOS, BEST_MIN_PHOTOS, loadDraft, saveDraft } from './draft.js';

const ACCEPT = 'image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif';
const PARALLEL_UPLOADS = 2;

// Module state survives re-renders (language switch, coming back from step 2).
const entries = [];
let entriesOwner = null;
let nextKey = 1;
let queue = [];
let running = 0;
let rerender = () => {};
let maxPhotos = Infinity; // the server's max_photos_per_generation, from /api/config once the step is shown

function readyIds() {
  return entries.filter((e) => e.state === 'ready').map((e) => e.photo.id);
}

function persist() {
  saveDraft({ photoIds: readyIds() });
}

async function restoreFromDraft() {
  const wanted = loadDraft().photoIds.filter((id) => !entries.some((e) => e.photo && e.photo.id === id));
  if (!wanted.length) return;
  const photos = await apiAll('/api/photos');
  for (const photo of photos.filter((p) => wanted.includes(p.id))) {
    entries.push({ key: nextKey++, name: photo.original_name || `#${photo.id}`, state: 'ready', photo });
  }
  persist();
}

function addFiles(fileList) {
  const files = Array.from(fileList || []);
  const room = maxPhotos - entries.filter((e) => e.state !== 'error').length;
  if (files.length > room) toast(t('upload.tooMany', { max: maxPhotos }));
  for (const file of files.slice(0, Math.max(0, room))) {
    const entry = { key: nextKey++, name: file.name, size: file.size, file, state: 'uploading',
                    localUrl: file.type.startsWith('image/') && !/hei[cf]/i.test(file.type)
                      ? URL.createObjectURL(file) : null };
    entries.push(entry);
    queue.push(entry);
  }
  pump();
  rerender();
}

function pump() {
  while (running < PARALLEL_UPLOADS && queue.length) {
    const entry = queue.shift();
    running += 1;
    upload(entry).finally(() => {
      running -= 1;
      pump();
      rerender();
    });
  }
}

async function upload(entry) {
  const form = new FormData();
  form.append('files', entry.file, entry.name);
  try {
    const [photo] = await api('/api/photos', { method: 'POST', form });
    if (!entries.includes(entry)) return; // removed while uploading
    Object.assign(entry, { state: 'ready', photo, file: null });
    persist();
  } catch (err) {
    Object.assign(entry, { state: 'error', error: errorMessage(err) });
  }
}

async function remove(entry) {
  const index = entries.indexOf(entry);
  if (index < 0) return;
  if (entry.state === 'ready') {
    const confirmed = await openDialog(t('upload.deleteTitle', { name: entry.name }),
      h('p', { text: t('upload.deleteExplain') }),
      { submitLabel: t('upload.deleteConfirm'), cancelLabel: t('upload.deleteKeep'), onSubmit: () => true });
    if (!confirmed || !entries.includes(entry)) return;
    entry.state = 'removing';
    rerender();
    try {
      await api(`/api/photos/${entry.photo.id}`, { method: 'DELETE' });
    } catch (err) {
      if (!['photo_in_use', 'photo_in_calendar', 'not_found'].includes(err.code)) {
        entry.state = 'ready';
        toast(errorMessage(err));
        rerender();
        return;
      }
      // 409: a generation or a calendar still uses it — it just leaves this calendar.
    }
  }
  queue = queue.filter((queued) => queued !== entry);
  entries.splice(entries.indexOf(entry), 1);
  if (entry.localUrl) URL.revokeObjectURL(entry.localUrl);
  persist();
  rerender();
}

function photoTile(entry) {
  const src = entry.photo ? entry.photo.thumbnail_url : entry.localUrl;
  const warnings = (entry.photo && entry.photo.checks && entry.photo.checks.warnings) || [];
  const status = {
    uploading: h('p', { class: 'photo-status', text: t('upload.uploading') }),
    removing: h('p', { class: 'photo-status', text: t('upload.removing') }),
    error: h('p', { class: 'photo-error', role: 'alert', text: entry.error }),
    ready: warnings.length
      ? h('ul', { class: 'photo-warnings', 'aria-label': t('upload.warningsLabel') },
        warnings.map((w) => h('li', { text: translateWarning(w) })))
      : h('p', { class: 'photo-ok', text: t('upload.looksGood') }),
  }[entry.state];
  const size = entry.photo ? `${entry.photo.width}×${entry.photo.height}` : entry.size ? formatBytes(entry.size) : '';
  return h('li', { class: `photo-tile is-${entry.state}${warnings.length ? ' has-warnings' : ''}`,
                   dataset: { name: entry.name } },
    h('div', { class: 'photo-frame' },
      src ? picture(h('img', { src, alt: entry.name, loading: 'lazy', decoding: 'async' }),
        entry.photo && entry.photo.thumbnail_webp_url)
        : h('span', { class: 'photo-placeholder', 'aria-hidden': 'true', text: '🖼' }),
      entry.state === 'uploading' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
      h('button', { type: 'button', class: 'remove-photo', 'aria-label': t('upload.remove', { name: entry.name }),
                    title: t('upload.remove', { name: entry.name }), text: '×',
                    disabled: entry.state === 'removing', onclick: () => remove(entry) })),
    h('p', { class: 'photo-name', title: entry.name, text: entry.name }),
    h('p', { class: 'photo-meta', text: size }),
    status);
}

function countHint(count) {
  if (count === 0) return t('upload.countNone');
  if (count < BEST_MIN_PHOTOS) return t('upload.countFew', { n: count, min: BEST_MIN_PHOTOS });
  if (count > BEST_MAX_PHOTOS) return t('upload.countMany', { n: count, max: BEST_MAX_PHOTOS });
  return t('upload.countGood', { n: count });
}

export async function renderUpload(view, ctx) {
  const config = await loadConfig();
  if (!ctx.isCurrent()) return;
  maxPhotos = config.max_photos_per_generation;
  const user = getUser();
  if (entriesOwner !== (user && user.id)) {  // another account signed in on this page
    entries.splice(0);
    queue = [];
    entriesOwner = user && user.id;
  }
  const error = alertBox();
  // Reached through the button (one tab stop): the input itself still needs a name for assistive technology.
  const input = h('input', { type: 'file', id: 'photo-input', multiple: true, accept: ACCEPT, class: 'visually-hidden',
                             'aria-label': t('upload.pick'), tabindex: '-1',
                             onchange: () => { addFiles(input.files); input.value = ''; } });
  const pickButton = h('button', { type: 'button', class: 'button primary', text: t('upload.pick'),
                                   onclick: () => input.click() });
  const dropzone = h('div', { class: 'dropzone', id: 'dropzone' },
    h('div', { class: 'dropzone-icon', 'aria-hidden': 'true', text: '⇪' }),
    h('p', { class: 'dropzone-title', text: t('upload.dropTitle') }),
    h('p', { class: 'dropzone-or', text: t('upload.or') }), pickButton, input,
    h('p', { class: 'field-hint', text: t('upload.formats') }));
  for (const type of ['dragenter', 'dragover']) {
    dropzone.addEventListener(type, (event) => {
      event.preventDefault();
      dropzone.classList.add('is-over');
    });
  }
  for (const type of ['dragleave', 'drop']) {
    dropzone.addEventListener(type, () => dropzone.classList.remove('is-over'));
  }
  dropzone.addEventListener('drop', (event) => {
    event.preventDefault();
    addFiles(event.dataTransfer.files);
  });

  const grid = h('ul', { class: 'photo-grid', id: 'photo-grid', 'aria-live': 'polite' });
  const counter = h('p', { class: 'photo-count', id: 'photo-count' });
  const next = h('button', { type: 'button', class: 'button primary', id: 'to-theme', text: t('upload.next'),
                             onclick: () => { location.hash = '#/theme'; } });

  rerender = () => {
    if (!ctx.isCurrent()) return;
    clear(grid, entries.map(photoTile));
    const ready = readyIds().length;
    counter.textContent = countHint(ready);
    counter.className = `photo-count ${ready >= BEST_MIN_PHOTOS && ready <= BEST_MAX_PHOTOS ? 'is-good' : ''}`;
    const uploading = entries.some((e) => e.state === 'uploading' || e.state === 'removing');
    next.disabled = ready === 0 || uploading;
    next.title = uploading ? t('upload.waitUploads') : ready === 0 ? t('upload.needOne') : '';
  };
  ctx.onCleanup(() => { rerender = () => {}; });

  view.replaceChildren(h('section', { class: 'panel' },
    h('h1', { text: t('upload.title') }),
    h('div', { class: 'tip', role: 'note' },
      h('strong', { text: t('upload.tipTitle', { min: BEST_MIN_PHOTOS, max: BEST_MAX_PHOTOS }) }), ' ',
      t('upload.tipText')),
    error, dropzone, counter, grid,
    h('div', { class: 'actions end' }, next)));
  rerender();
  try {
    await restoreFromDraft();
  } catch (err) {
    error.show(t('upload.restoreFailed', { reason: errorMessage(err) }));
  }
  rerender();
}

/** After a generation started: the next calendar starts with an empty photo list. */
export function resetUploads() {
  for (const entry of entries) if (entry.localUrl) URL.revokeObjectURL(entry.localUrl);
  entries.splice(0);
  queue = [];
}
