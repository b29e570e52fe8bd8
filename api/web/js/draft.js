// The calendar being prepared (photos, theme, options) kept in localStorage until the generation starts.
import { getUser } from './api.js';

const DRAFT_KEY = 'calendary.draft';
// Advice on how many photos train best (the limits themselves come from /api/config).
export const BEST_MIN_PHOTOS = 10;
export const BEST_MAX_PHOTOS = 20;

function owner() {
  const user = getUser();
  return user ? user.id : null;
}

function empty() {
  const year = new Date().getFullYear() + 1;
  return { owner: owner(), photoIds: [], templateId: null, preview: false, year, locale: null, title: '' };
}

export function loadDraft() {
  try {
    const stored = JSON.parse(localStorage.getItem(DRAFT_KEY) || '{}');
    return stored.owner === owner() ? { ...empty(), ...stored } : empty();
  } catch {
    return empty();
  }
}

export function saveDraft(changes) {
  const draft = { ...loadDraft(), ...changes, owner: owner() };
  localStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
  return draft;
}

export function clearDraft() {
  localStorage.removeItem(DRAFT_KEY);
}

/** The price shown before starting, as the API quotes it. */
export function priceOf(template, preview) {
  return preview ? template.preview_price : template.price;
}
