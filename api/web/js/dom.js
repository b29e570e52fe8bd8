// Tiny DOM helpers: element builder, banners, toasts, busy buttons, dialogs.
import { t } from './i18n.js';

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') el.style.cssText = value; // CSSOM: allowed by the page's Content-Security-Policy
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (typeof value !== 'string' && key in el) el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A message in words (role=alert) for errors inside a section; empty text hides it. */
export function alertBox(kind = 'error') {
  const box = h('div', { class: `alert alert-${kind}`, role: 'alert', hidden: true });
  box.show = (message) => {
    box.textContent = message || '';
    box.hidden = !message;
  };
  return box;
}

export function errorMessage(err) {
  if (!err) return t('error.unknown');
  if (typeof err === 'string') return err;
  return err.message || String(err);
}

/** The page-wide banner under the header: every unexpected error ends up here, never as a blank page. */
export function showBanner(message, kind = 'error') {
  const banner = document.getElementById('banner');
  if (!banner) return;
  const text = h('span', { class: 'banner-text', text: message });
  const close = h('button', { class: 'icon-button', type: 'button', 'aria-label': t('common.close'),
                              text: '×', onclick: hideBanner });
  clear(banner, text, close);
  banner.className = `banner banner-${kind}`;
  banner.hidden = false;
}

export function hideBanner() {
  const banner = document.getElementById('banner');
  if (banner) banner.hidden = true;
}

export function toast(message) {
  const region = document.getElementById('toast');
  if (!region) return;
  const item = h('div', { class: 'toast-item', text: message });
  region.append(item);
  setTimeout(() => item.remove(), 4000);
}

/** Announce to screen readers without showing anything. */
export function announce(message) {
  const region = document.getElementById('announcer');
  if (region) {
    region.textContent = '';
    setTimeout(() => { region.textContent = message; }, 30);
  }
}

/**
 * Arrow keys, Home and End move the focus among the `selector` items of a grid laid out in rows (the variants, the
 * months): one key per step instead of tabbing past every other control on the way.
 */
export function gridKeys(container, selector) {
  container.addEventListener('keydown', (event) => {
    const items = Array.from(container.querySelectorAll(selector)).filter((el) => !el.disabled && el.offsetParent);
    const index = items.indexOf(document.activeElement);
    if (index < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    const rowTop = (el) => Math.round(el.getBoundingClientRect().top);
    const columns = items.filter((el) => rowTop(el) === rowTop(items[0])).length;
    const target = {
      ArrowLeft: index - 1, ArrowRight: index + 1, ArrowUp: index - columns, ArrowDown: index + columns,
      Home: 0, End: items.length - 1,
    }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    if (items[target]) items[target].focus();
  });
}

/** Disable a button and show a spinner while `work` runs; returns work's result. */
export async function busy(button, work, label) {
  const before = button.textContent;
  button.disabled = true;
  button.classList.add('is-busy');
  if (label) button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.classList.remove('is-busy');
    if (label) button.textContent = before;
  }
}

/** A modal <dialog>; resolves with the form's result or null when dismissed. */
export function openDialog(title, body, { submitLabel, cancelLabel, onSubmit } = {}) {
  const dialog = document.getElementById('dialog');
  const error = alertBox();
  return new Promise((resolve) => {
    const submit = submitLabel
      ? h('button', { class: 'button primary', type: 'submit', text: submitLabel }) : null;
    const cancel = h('button', { class: 'button', type: 'button', text: cancelLabel || t('common.close'),
                                 onclick: () => { dialog.close(); } });
    const form = h('form', { method: 'dialog', class: 'dialog-form' },
      h('h2', { class: 'dialog-title', text: title }), body, error,
      h('div', { class: 'dialog-actions' }, cancel, submit));
    let result = null;
    form.addEventListener('submit', async (event) => {
      if (!onSubmit) return;
      event.preventDefault();
      try {
        result = await busy(submit, () => onSubmit(form));
        dialog.close();
      } catch (err) {
        error.show(errorMessage(err));
      }
    });
    dialog.addEventListener('close', () => resolve(result), { once: true });
    clear(dialog, form);
    dialog.showModal();
    (form.querySelector('textarea, input, select') || submit || cancel).focus();
  });
}

export function formatBytes(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} ${t('unit.kb')}`;
  return `${(bytes / 1024 / 1024).toFixed(1)} ${t('unit.mb')}`;
}

/** `img` (the JPEG every browser shows) behind the WebP copy of the same image when there is one: links straight
 * to the object store or a CDN serve what is stored, so the browser picks the format (docs/media.md). */
export function picture(img, webpUrl) {
  return webpUrl ? h('picture', {}, h('source', { type: 'image/webp', srcset: webpUrl }), img) : img;
}

/** The image URL without its signature: the same stored file has the same base however often it is re-signed. */
export function baseUrl(url) {
  return (url || '').split('?')[0];
}
