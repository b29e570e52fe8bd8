// Localisation: Ukrainian (default) and English dictionaries, plurals, dates, money, month names.
import uk from './locales/uk.js';
import en from './locales/en.js';

const DICTIONARIES = { uk, en };
const LANG_KEY = 'calendary.lang';
const listeners = new Set();

function initialLang() {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl && DICTIONARIES[fromUrl]) return fromUrl;
  const stored = localStorage.getItem(LANG_KEY);
  return DICTIONARIES[stored] ? stored : 'uk';
}

let lang = initialLang();
document.documentElement.lang = lang;

export const LANGS = Object.keys(DICTIONARIES);

export function getLang() {
  return lang;
}

export function setLang(next) {
  if (!DICTIONARIES[next] || next === lang) return;
  lang = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
  for (const listener of listeners) listener(next);
}

export function onLangChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function lookup(key) {
  const own = DICTIONARIES[lang][key];
  return own !== undefined ? own : DICTIONARIES.uk[key];
}

/** t('months.chosen', {n: 3}) → the text with {placeholders} filled; plural entries are objects {one, few, many, other}. */
export function t(key, vars = {}) {
  return maybeT(key, vars) ?? key;
}

/** Like t(), but null when neither language has the key. */
export function maybeT(key, vars = {}) {
  let text = lookup(key);
  if (text === undefined) return null;
  if (typeof text === 'object' && !Array.isArray(text)) {
    const form = new Intl.PluralRules(lang).select(Number(vars.n ?? 0));
    text = text[form] ?? text.other;
  }
  return String(text).replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? `{${name}}`));
}

export function monthName(month) {
  return lookup('months')[month - 1];
}

/** The API's times are UTC; some arrive without a zone designator (the database drops it), so add one. */
export function parseServerTime(iso) {
  const text = String(iso);
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
}

export function formatDateTime(iso) {
  if (!iso) return '';
  return new Intl.DateTimeFormat(lang === 'uk' ? 'uk-UA' : 'en-GB', {
    day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit',
  }).format(parseServerTime(iso));
}

export function formatMoney(uah) {
  return `${new Intl.NumberFormat(lang === 'uk' ? 'uk-UA' : 'en-US').format(uah)} ₴`;
}

/** Minutes as "≈ 3 хв" / "< 1 хв" / "≈ 1 год 10 хв". */
export function formatMinutes(minutes) {
  if (minutes < 1) return t('time.lessThanMinute');
  const rounded = Math.round(minutes);
  if (rounded < 60) return t('time.minutes', { n: rounded });
  return t('time.hoursMinutes', { h: Math.floor(rounded / 60), m: rounded % 60 });
}

/** The server's `eta_seconds` as "≈ 40 s" / "≈ 3 min" / "≈ 1 h 10 min". */
export function formatEta(seconds) {
  if (seconds < 60) return t('time.seconds', { n: Math.max(5, Math.ceil(seconds / 5) * 5) });
  return formatMinutes(seconds / 60);
}

/** A calendar's name as its cover prints it: the title, then the year — once, if the title already ends with it. */
export function coverTitle(title, year) {
  const words = String(title || '').trim();
  return new RegExp(`(^|\\s)${year}$`).test(words) ? words : `${words} ${year}`.trim();
}

/** A photo check warning ("blurry: the photo is …") in the user's language. */
export function translateWarning(warning) {
  const code = String(warning).split(':')[0].trim();
  return lookup('photoWarnings')[code] || warning;
}

/** A theme's name and description in the page's language, or in `inLang` (the calendar's, for its title). */
export function themeText(template, inLang = lang) {
  const own = (DICTIONARIES[inLang] || DICTIONARIES[lang]).themes[template.theme];
  return {
    name: own ? own.name : template.name,
    description: own ? own.description : template.description,
  };
}

/** Fill [data-i18n] elements of the static page shell. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  document.title = t('app.title');
}
