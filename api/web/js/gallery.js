// The variants: a grid that fills as each variant is stored, recommended first when scores exist; zoom,
// regenerate one variant (optional own prompt) and watch it be replaced live; the month board beside it.
import { api } from './api.js';
import { baseUrl, clear, errorMessage, gridKeys, h, openDialog, picture, toast } from './dom.js';
import { monthName, t } from './i18n.js';
import { MonthBoard, byKeyboard } from './months.js';

const REGENERATION_TIMEOUT_MS = 5 * 60 * 1000;
const RECOMMENDED_SHARE = 0.5; // without the server's recommendation: the better half of the scored variants
const SCORE_PARTS = ['likeness', 'face', 'framing', 'sharpness', 'exposure', 'colour', 'uniqueness'];

/** Why a variant is suggested and how it scored, in words (docs/scoring.md explains each part). */
export function scoreText(variant) {
  const lines = [];
  if (variant.recommended && variant.suggested_month) {
    lines.push(t('gallery.suggested', { month: monthName(variant.suggested_month),
                                        season: t(`season.${variant.suggested_season}`) }));
  }
  if (typeof variant.score === 'number') lines.push(t('gallery.score', { score: Math.round(variant.score) }));
  if (variant.score_details) {
    lines.push(SCORE_PARTS.filter((part) => variant.score_details[part] !== null)
      .map((part) => `${t(`score.${part}`)} ${Math.round(variant.score_details[part] * 100)}`).join(' · '));
  }
  return lines;
}

export class Gallery {
  constructor({ jobId, preview, variantCount, onSubmitted, onImageError }) {
    this.jobId = jobId;
    this.variantCount = variantCount;
    this.variants = new Map();
    this.cards = new Map();
    this.regenerating = new Map(); // id → {base, since}
    this.stage = 'pending';
    this.onImageError = onImageError;
    this.board = new MonthBoard({ jobId, preview, variants: this.variants, onChange: () => this.refreshMarks(),
                                  onSubmitted });
    this.board.order = () => this.orderedIds();
    this.board.focusVariant = (id) => { if (this.cards.has(id)) this.cards.get(id).pick.focus(); };
    this.grid = h('ul', { class: 'variant-grid', id: 'variant-grid', 'aria-label': t('gallery.title'),
                          'aria-describedby': 'board-keys' });
    gridKeys(this.grid, '.variant-pick');
    this.heading = h('h2', { id: 'gallery-title', text: t('gallery.title') });
    this.note = h('p', { class: 'gallery-note', id: 'gallery-note' });
    this.legend = h('p', { class: 'gallery-legend', hidden: true },
      h('span', { class: 'badge recommended inline', text: '★', 'aria-hidden': 'true' }), ' ',
      // A phone shows the short wording: the variants themselves belong on its first screen.
      h('span', { class: 'legend-long', text: t('gallery.legend') }),
      h('span', { class: 'legend-short', text: t('gallery.legendShort') }));
    this.root = h('section', { class: 'gallery-layout', 'aria-labelledby': 'gallery-title' },
      h('div', { class: 'gallery-main' }, h('div', { class: 'gallery-head' }, this.heading, this.legend, this.note), this.grid),
      this.board.root);
    this.root.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.board.picked) this.board.cancelPick();
    });
  }

  setStage(stage, variantCount) {
    this.stage = stage;
    if (variantCount) this.variantCount = variantCount;
    const selecting = stage === 'ready_for_selection';
    this.board.root.hidden = !['ready_for_selection', 'finalizing'].includes(stage);
    this.board.setEnabled(selecting && !this.board.submitting);
    this.root.classList.toggle('is-selecting', selecting);
    this.render();
  }

  /** A snapshot: every variant as the server has it now. */
  setVariants(list) {
    const seen = new Set();
    for (const variant of list) {
      seen.add(variant.id);
      this.upsert(variant, { quiet: true });
    }
    for (const id of Array.from(this.variants.keys())) {
      if (!seen.has(id)) {
        this.variants.delete(id);
        const card = this.cards.get(id);
        if (card) card.root.remove();
        this.cards.delete(id);
      }
    }
    this.board.prune();
    this.render();
  }

  /** One variant from the live stream: new, replaced by a regeneration, failed or newly scored. */
  upsert(variant, { quiet = false } = {}) {
    const before = this.variants.get(variant.id);
    this.variants.set(variant.id, variant);
    const pending = this.regenerating.get(variant.id);
    const replaced = before && before.status === 'ready' && variant.status === 'ready'
      && baseUrl(before.image_url) !== baseUrl(variant.image_url);
    if (pending && baseUrl(variant.image_url) !== pending.base) {
      this.regenerating.delete(variant.id);
      if (!quiet) toast(t('gallery.replaced', { n: variant.variant_number }));
    }
    const card = this.card(variant);
    if (replaced) {
      card.root.classList.remove('just-replaced');
      void card.root.offsetWidth; // restart the highlight animation
      card.root.classList.add('just-replaced');
    }
    if (!quiet) {
      this.board.render();
      this.render();
    }
    return !before;
  }

  orderedIds() {
    const all = Array.from(this.variants.values());
    const scored = all.some((v) => typeof v.score === 'number');
    // The recommended 12 first, in their suggested months' order; then the rest by score.
    all.sort((a, b) => (b.recommended ? 1 : 0) - (a.recommended ? 1 : 0)
      || (a.suggested_month ?? 13) - (b.suggested_month ?? 13)
      || (scored ? (b.score ?? -Infinity) - (a.score ?? -Infinity) : 0)
      || a.variant_number - b.variant_number);
    return all.map((v) => v.id);
  }

  recommendedIds() {
    const chosen = Array.from(this.variants.values()).filter((v) => v.recommended && v.status === 'ready');
    if (chosen.length) return new Set(chosen.map((v) => v.id));
    const scored = Array.from(this.variants.values()).filter((v) => typeof v.score === 'number'
                                                                    && v.status === 'ready');
    if (!scored.length) return new Set();
    scored.sort((a, b) => b.score - a.score);
    return new Set(scored.slice(0, Math.max(1, Math.ceil(scored.length * RECOMMENDED_SHARE))).map((v) => v.id));
  }

  card(variant) {
    let card = this.cards.get(variant.id);
    if (!card) {
      const img = h('img', { alt: '', loading: 'lazy', decoding: 'async', draggable: false });
      // The WebP copy goes in here (a <source> without srcset is skipped): the card keeps one <picture>.
      const source = h('source', { type: 'image/webp' });
      img.addEventListener('error', () => this.onImageError && this.onImageError());
      const pick = h('button', { type: 'button', class: 'variant-pick', draggable: true,
                                 onclick: (event) => this.board.activateVariant(variant.id, byKeyboard(event)) });
      pick.addEventListener('dragstart', (event) => {
        if (!this.board.enabled) return event.preventDefault();
        event.dataTransfer.setData('text/plain', `variant:${variant.id}`);
        event.dataTransfer.effectAllowed = 'copyMove';
        card.root.classList.add('is-dragging');
      });
      pick.addEventListener('dragend', () => card.root.classList.remove('is-dragging'));
      const number = h('span', { class: 'variant-number' });
      const badge = h('span', { class: 'badge recommended', text: '★', title: t('gallery.recommended'), hidden: true });
      const marks = h('span', { class: 'variant-months' });
      const overlay = h('span', { class: 'regen-overlay', hidden: true },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', { text: t('gallery.regenerating') }));
      const failed = h('span', { class: 'variant-failed', hidden: true, text: t('gallery.failed') });
      const likeness = h('p', { class: 'variant-likeness', hidden: true });
      const why = h('p', { class: 'variant-why', hidden: true });
      const generating = h('span', { class: 'placeholder-box variant-generating', hidden: true },
        h('span', { class: 'placeholder-text', text: t('gallery.pending') }));
      pick.append(h('picture', {}, source, img));
      // The marks over the image are drawn beside the button, not in it: its name (set in refreshMarks) already
      // says all they show, starting with what a speech-input user reads on it; clicks pass through them.
      const marksLayer = h('span', { class: 'variant-layer', 'aria-hidden': 'true' },
        generating, number, badge, marks, overlay, failed);
      const zoom = h('button', { type: 'button', class: 'icon-button zoom', text: '⤢',
                                 onclick: () => this.zoom(variant.id) });
      const regenerate = h('button', { type: 'button', class: 'icon-button regenerate', text: '↻',
                                       onclick: () => this.askRegenerate(variant.id) });
      const root = h('li', { class: 'variant-card', dataset: { variantId: String(variant.id) } },
        pick, marksLayer, h('div', { class: 'variant-actions' }, zoom, regenerate), likeness, why);
      card = { root, img, source, pick, number, badge, marks, overlay, failed, generating, zoom, regenerate, likeness,
               why, src: null };
      this.cards.set(variant.id, card);
    }
    const n = variant.variant_number;
    if (variant.status === 'ready' && baseUrl(card.src) !== baseUrl(variant.thumbnail_url)) {
      if (variant.thumbnail_webp_url) card.source.srcset = variant.thumbnail_webp_url;
      else card.source.removeAttribute('srcset');
      card.img.src = variant.thumbnail_url;
      card.src = variant.thumbnail_url;
    }
    card.root.dataset.number = String(n);
    card.root.dataset.status = variant.status;
    card.number.textContent = `№${n}`;
    card.img.alt = t('gallery.variantN', { n });
    card.failed.hidden = variant.status !== 'failed';
    // What the likeness guard did, and why this variant is suggested: in words, on the card.
    card.likeness.hidden = !variant.likeness_note;
    card.likeness.textContent = variant.likeness_note ? t(`likeness.${variant.likeness_note}`) : '';
    const [reason] = scoreText(variant);
    card.why.hidden = !(variant.recommended && reason);
    card.why.textContent = variant.recommended ? reason || '' : '';
    card.pick.title = scoreText(variant).join('\n');
    card.generating.hidden = variant.status !== 'generating' || Boolean(card.src);
    card.img.hidden = !card.src;
    card.zoom.setAttribute('aria-label', t('gallery.zoom', { n }));
    card.zoom.title = t('gallery.zoom', { n });
    card.regenerate.setAttribute('aria-label', t('gallery.regenerate', { n }));
    card.regenerate.title = t('gallery.regenerate', { n });
    return card;
  }

  /** Month marks, picked state, badges and order — cheap, runs after every change. */
  refreshMarks() {
    const recommended = this.recommendedIds();
    this.legend.hidden = recommended.size === 0;
    const selecting = this.stage === 'ready_for_selection';
    for (const [id, card] of this.cards) {
      const variant = this.variants.get(id);
      const months = this.board.monthsOf(id);
      const busy = this.regenerating.has(id);
      clear(card.marks, months.map((m) => h('span', { class: 'month-chip', text: monthName(m) })));
      card.root.classList.toggle('is-chosen', months.length > 0);
      card.root.classList.toggle('is-picked', Boolean(this.board.isPicked(id)));
      card.root.classList.toggle('is-regenerating', busy);
      card.overlay.hidden = !busy;
      card.badge.hidden = !recommended.has(id);
      card.pick.setAttribute('aria-pressed', String(Boolean(this.board.isPicked(id))));
      const label = [t('gallery.variantN', { n: variant.variant_number })];
      if (months.length) label.push(months.map(monthName).join(', '));
      if (variant.status === 'failed') label.push(t('gallery.failed'));
      if (busy) label.push(t('gallery.regenerating'));
      if (recommended.has(id)) label.push(t('gallery.recommended'));
      card.pick.setAttribute('aria-label', label.join(', '));
      card.pick.disabled = !selecting || variant.status !== 'ready' || busy;
      card.pick.draggable = selecting && variant.status === 'ready' && !busy;
      card.regenerate.hidden = !selecting || variant.status !== 'ready';
      card.regenerate.disabled = busy;
      card.zoom.hidden = variant.status !== 'ready';
    }
  }

  render() {
    for (const [id, pending] of this.regenerating) {
      if (Date.now() - pending.since > REGENERATION_TIMEOUT_MS || this.stage !== 'ready_for_selection') {
        this.regenerating.delete(id);
        if (this.stage === 'ready_for_selection') {
          toast(t('gallery.regenerateGaveUp', { n: this.variants.get(id).variant_number }));
        }
      }
    }
    const ids = this.orderedIds();
    const placeholders = ['pending', 'training', 'generating'].includes(this.stage)
      ? Math.max(0, this.variantCount - ids.length) : 0;
    const wanted = ids.map((id) => this.cards.get(id).root);
    for (let i = 0; i < placeholders; i += 1) {
      wanted.push(h('li', { class: 'variant-card placeholder', 'aria-hidden': 'true' },
        h('span', { class: 'placeholder-box' }, h('span', { class: 'placeholder-text', text: t('gallery.pending') }))));
    }
    const current = Array.from(this.grid.children);
    if (current.length !== wanted.length || current.some((el, i) => el !== wanted[i])) clear(this.grid, wanted);
    const ready = ids.filter((id) => this.variants.get(id).status === 'ready').length;
    this.note.textContent = this.stage === 'ready_for_selection'
      ? t('gallery.noteSelect', { n: ready }) : t('gallery.noteProgress', { n: ready, total: this.variantCount });
    this.refreshMarks();
  }

  zoom(id) {
    const variant = this.variants.get(id);
    const months = this.board.monthsOf(id).map(monthName).join(', ');
    openDialog(t('gallery.variantN', { n: variant.variant_number }), h('figure', { class: 'zoom-figure' },
      h('img', { src: variant.image_url, alt: t('gallery.variantN', { n: variant.variant_number }) }),
      h('figcaption', {}, ...[months, ...scoreText(variant)].filter(Boolean).map((line) => h('span', { text: line })))));
  }

  async askRegenerate(id) {
    const variant = this.variants.get(id);
    const prompt = h('textarea', { id: 'custom-prompt', name: 'custom_prompt', rows: 3, maxlength: 300,
                                   placeholder: t('gallery.promptPlaceholder') });
    const body = h('div', { class: 'regen-form' },
      h('p', { text: t('gallery.regenerateExplain') }),
      picture(h('img', { class: 'regen-thumb', src: variant.thumbnail_url, alt: '' }), variant.thumbnail_webp_url),
      h('label', { for: 'custom-prompt', text: t('gallery.promptLabel') }), prompt,
      h('p', { class: 'field-hint', text: t('gallery.promptHint') }));
    await openDialog(t('gallery.regenerateTitle', { n: variant.variant_number }), body, {
      submitLabel: t('gallery.regenerateSubmit'), cancelLabel: t('common.cancel'),
      onSubmit: async () => {
        const text = prompt.value.trim();
        if (text && text.length < 3) throw new Error(t('gallery.promptTooShort'));
        await api(`/api/calendars/generate/${this.jobId}/variants/${id}/regenerate`, {
          method: 'POST', json: text ? { custom_prompt: text } : {} });
        const current = this.variants.get(id);
        this.regenerating.set(id, { base: baseUrl(current.image_url), since: Date.now() });
        this.render();
        return true;
      },
    }).catch((err) => toast(errorMessage(err)));
  }
}
