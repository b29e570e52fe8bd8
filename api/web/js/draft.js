// The calendar being prepared (photos, theme, options) kept in localStorage until the generation starts.
import { getUser } from './api.js';

const DRAFT_KEY = 'calendary.draft';
// The API's defaults (settings.variant_count / preview_variant_count / max_photos_per_generation).
export const FULL_VARIANTS = 24;
export const PREVIEW_VARIANTS = 6;
export const MAX_PHOTOS = 30;
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

/**
 * A realistic ETA in minutes before starting, from the product's measurements (seed, "Рішення ризиків"):
 * 24 variants take 10–20 minutes with the real provider; a 6-variant preview about 3–5.
 */
export function etaMinutes(preview, variantCount = preview ? PREVIEW_VARIANTS : FULL_VARIANTS) {
  if (preview) return { min: 3, max: 5 };
  const scale = variantCount / FULL_VARIANTS;
  return { min: Math.round(10 * scale), max: Math.round(20 * scale) };
}

/** The price shown before starting, as the API quotes it. */
export function priceOf(template, preview) {
  return preview ? template.preview_price : template.price;
}
