// The HTTP API: bearer token in localStorage, JSON in and out, every failure turned into words.
import { maybeT, t } from './i18n.js';

const TOKEN_KEY = 'calendary.token';
const USER_KEY = 'calendary.user';

export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function getUser() {
  try {
    return JSON.parse(localStorage.getItem(USER_KEY) || 'null');
  } catch {
    return null;
  }
}

export function signIn(tokenOut) {
  localStorage.setItem(TOKEN_KEY, tokenOut.access_token);
  localStorage.setItem(USER_KEY, JSON.stringify(tokenOut.user));
}

export function signOut() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
}

/** A failed request: `code` is the problem's stable code (docs/api.md), `message` its sentence in the user's language. */
export class ApiError extends Error {
  constructor(status, message, problem = null) {
    super(message);
    this.status = status;
    this.code = (problem && problem.code) || null;
    this.problem = problem;
  }
}

function fieldName(field) {
  return maybeT(`field.${field}`) ?? field;
}

/**
 * Every error is an RFC 9457 problem with a stable `code`: the page says it in its own words, chosen by that code
 * (and the problem's `params`). The server's English `detail` is never shown; an unknown code is told by status.
 */
export function describeProblem(status, problem) {
  const code = problem && typeof problem.code === 'string' ? problem.code : null;
  const params = (problem && problem.params) || {};
  if (code === 'validation_failed' && Array.isArray(problem.errors) && problem.errors.length) {
    return problem.errors.map((item) => `${fieldName(item.field)}: ${
      maybeT(`fieldError.${item.code}`) ?? t('fieldError.invalid')}`).join('; ');
  }
  const known = code && (maybeT(`problem.${code}.${params.resource}`, params) ?? maybeT(`problem.${code}`, params));
  if (known) return known;
  if (status >= 500) return t('error.server', { status });
  if (status === 404) return t('error.notFound');
  return t('error.status', { status });
}

async function errorFrom(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    problem = null;
  }
  return new ApiError(response.status, describeProblem(response.status, problem), problem);
}

/**
 * api('/api/photos', {method: 'POST', form}) → parsed JSON (or the Response when `raw`).
 * Throws ApiError with a message in words; status 0 means the server could not be reached.
 */
export async function api(path, { method = 'GET', json, form, raw = false, cache, signal, headers: extra } = {}) {
  const headers = { ...extra };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache, signal });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, t('error.network'));
  }
  if (response.status === 401 && token && !path.startsWith('/api/auth/')) {
    signOut();
    window.dispatchEvent(new CustomEvent('calendary:signed-out'));
  }
  if (!response.ok) throw await errorFrom(response);
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : response;
}

/** A protected binary (the PDF) as a Blob; its route needs the bearer header, so a plain link can't load it. */
export async function fetchBlob(path) {
  const response = await api(path, { raw: true, cache: 'no-store' });
  return { blob: await response.blob(), response };
}

/** File name from Content-Disposition (RFC 5987 filename* first). */
export function downloadName(response, fallback) {
  const header = response.headers.get('content-disposition') || '';
  const star = header.match(/filename\*=UTF-8''([^;]+)/i);
  if (star) return decodeURIComponent(star[1]);
  const plain = header.match(/filename="([^"]+)"/i);
  return plain ? plain[1] : fallback;
}

let templatesCache = null;
let configCache = null;

/** The server's limits and counts (GET /api/config): the page copies none of them. */
export async function loadConfig() {
  if (!configCache) {
    configCache = api('/api/config').catch((err) => {
      configCache = null;
      throw err;
    });
  }
  return configCache;
}

/** The themes rarely change: fetched once per page load (their preview URLs are signed for minutes, so not longer). */
export async function loadTemplates() {
  if (!templatesCache) {
    templatesCache = api('/api/templates').catch((err) => {
      templatesCache = null;
      throw err;
    });
  }
  return templatesCache;
}

export function forgetTemplates() {
  templatesCache = null;
}

/** Every item of a paginated list (docs/api.md, "Pagination"): follows `Link: <…>; rel="next"` to the last page. */
export async function apiAll(path) {
  const items = [];
  let next = path;
  while (next) {
    const response = await api(next, { raw: true });
    items.push(...await response.json());
    const match = (response.headers.get('Link') || '').match(/<([^>]+)>;\s*rel="next"/);
    next = match ? match[1] : null;
  }
  return items;
}
