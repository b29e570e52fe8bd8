// Theme colours made readable. A template's colour scheme comes from the API and may be all pastels (family: pinks;
// wedding: white, gold and pink) that no white text can sit on. The page keeps the theme's hue and lowers its
// lightness until WCAG AA holds: white button text on it, and it as text on the page's light surfaces, at 4.5:1.
// The print palette does the same in render/colours.py (deepen_until_contrast), for paper rather than screens.

export const TEXT_CONTRAST = 4.5; // WCAG 1.4.3, normal-size text
const WHITE = [255, 255, 255];
const PAPER = [250, 246, 240]; // --bg in app.css: the lightest surface the accent is read against besides white
const SOFT_SHARE = 0.14; // how much of the theme colour tints the soft background (selected cards, pills)
const DARK_SHARE = 0.16; // the hover shade: this much black on top of the accent
const MAX_SATURATION = 0.6;

export function parseHex(value) {
  const match = /^#?([0-9a-f]{6})$/i.exec(String(value || '').trim());
  if (!match) return null;
  return [0, 2, 4].map((i) => parseInt(match[1].slice(i, i + 2), 16));
}

export function toHex(rgb) {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

export function relativeLuminance(rgb) {
  const [r, g, b] = rgb.map((c) => {
    const unit = c / 255;
    return unit <= 0.03928 ? unit / 12.92 : ((unit + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a, b) {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

export function mix(base, other, share) {
  return base.map((c, i) => Math.round(c + (other[i] - c) * share));
}

function toHsl([r, g, b]) {
  const [rn, gn, bn] = [r / 255, g / 255, b / 255];
  const max = Math.max(rn, gn, bn);
  const min = Math.min(rn, gn, bn);
  const lightness = (max + min) / 2;
  if (max === min) return [0, 0, lightness];
  const delta = max - min;
  const saturation = lightness > 0.5 ? delta / (2 - max - min) : delta / (max + min);
  let hue;
  if (max === rn) hue = (gn - bn) / delta + (gn < bn ? 6 : 0);
  else if (max === gn) hue = (bn - rn) / delta + 2;
  else hue = (rn - gn) / delta + 4;
  return [hue / 6, saturation, lightness];
}

function fromHsl([hue, saturation, lightness]) {
  if (saturation === 0) return [lightness, lightness, lightness].map((c) => Math.round(c * 255));
  const q = lightness < 0.5 ? lightness * (1 + saturation) : lightness + saturation - lightness * saturation;
  const p = 2 * lightness - q;
  const channel = (t) => {
    const x = t < 0 ? t + 1 : t > 1 ? t - 1 : t;
    if (x < 1 / 6) return p + (q - p) * 6 * x;
    if (x < 1 / 2) return q;
    if (x < 2 / 3) return p + (q - p) * (2 / 3 - x) * 6;
    return p;
  };
  return [hue + 1 / 3, hue, hue - 1 / 3].map((t) => Math.round(channel(t) * 255));
}

/**
 * The colour itself when it already reads on every background; else the same hue, darker, until it does. A
 * pastel's full saturation turns garish once dark, so it is capped on the way down (as in print, at 0.6).
 */
export function darkenUntilContrast(rgb, backgrounds, minimum = TEXT_CONTRAST) {
  const reads = (colour) => backgrounds.every((background) => contrastRatio(colour, background) >= minimum);
  if (reads(rgb)) return rgb;
  const [hue, fullSaturation, start] = toHsl(rgb);
  const saturation = Math.min(fullSaturation, MAX_SATURATION);
  for (let lightness = start; lightness > 0; lightness -= 0.01) {
    const candidate = fromHsl([hue, saturation, lightness]);
    if (reads(candidate)) return candidate;
  }
  return [0, 0, 0];
}

/** The scheme's colour that best carries the theme: vivid, and already as close to readable as the scheme has. */
function themeColour(scheme) {
  const colours = (scheme || []).map(parseHex).filter(Boolean);
  const chroma = (rgb) => (Math.max(...rgb) - Math.min(...rgb)) / 255;
  const weight = (rgb) => (chroma(rgb) + 0.05) * contrastRatio(rgb, WHITE);
  return colours.length ? colours.reduce((best, c) => (weight(c) > weight(best) ? c : best)) : null;
}

/**
 * The accent tokens for a theme: {accent, accentDark, accentSoft} as #rrggbb, or null for a scheme without a
 * usable colour (the page's own terracotta stays). accent carries white text and reads as text on white, on the
 * page's paper and on accentSoft, at 4.5:1 or more; accentDark is darker still.
 */
export function themeAccent(scheme) {
  const source = themeColour(scheme);
  if (!source) return null;
  const soft = mix(WHITE, source, SOFT_SHARE);
  const accent = darkenUntilContrast(source, [WHITE, PAPER, soft]);
  return { accent: toHex(accent), accentDark: toHex(mix(accent, [0, 0, 0], DARK_SHARE)), accentSoft: toHex(soft) };
}

/** Theme everything inside `element` (buttons, badges, selected states) with the scheme's readable accent. */
export function applyThemeAccent(element, scheme) {
  const tokens = themeAccent(scheme) || {}; // none: the page's own accent applies again
  for (const [name, value] of [['--accent', tokens.accent], ['--accent-dark', tokens.accentDark],
                               ['--accent-soft', tokens.accentSoft]]) {
    if (value) element.style.setProperty(name, value);
    else element.style.removeProperty(name);
  }
}
