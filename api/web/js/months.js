// Step 4: twelve months, one variant each. Drag a variant onto a month, or pick a variant and then a month (mouse,
// touch or keyboard); drag a month onto another to swap. The choice is kept per generation in localStorage.
// By keyboard: Enter on a variant moves the focus to the first empty month, Enter there places it and brings the
// focus back to that variant; arrow keys move within each grid, Esc cancels a pick. Every change is announced.
import { api } from './api.js';
import { alertBox, announce, busy, clear, errorMessage, gridKeys, h, picture } from './dom.js';
import { monthName, t } from './i18n.js';

const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);

export class MonthBoard {
  /** variants: Map(id → variant DTO), shared with the gallery; onChange(): the gallery refreshes its marks. */
  constructor({ jobId, preview, variants, onChange, onSubmitted }) {
    this.jobId = jobId;
    this.preview = preview;
    this.variants = variants;
    this.onChange = onChange;
    this.onSubmitted = onSubmitted;
    this.storageKey = `calendary.selection.${jobId}`;
    this.months = this.load();
    this.picked = null; // {kind: 'variant', id} | {kind: 'month', month}
    this.focusVariant = () => {}; // set by the gallery, which owns the variants' buttons
    this.enabled = false;
    this.submitting = false;
    this.slots = new Map();
    this.error = alertBox();
    this.count = h('p', { class: 'chosen-count', id: 'chosen-count', 'aria-live': 'polite' });
    this.submit = h('button', { type: 'button', class: 'button primary big wide', id: 'create-calendar',
                                text: t('months.create'), onclick: () => this.send() });
    this.autofillButton = h('button', { type: 'button', class: 'button small', id: 'autofill',
                                        text: t('months.autofill'), onclick: () => this.autofill() });
    this.clearButton = h('button', { type: 'button', class: 'button small ghost', text: t('months.clearAll'),
                                     onclick: () => this.clearAll() });
    this.grid = h('ol', { class: 'month-grid', 'aria-describedby': 'board-keys' },
      MONTHS.map((month) => this.slot(month)));
    gridKeys(this.grid, '.month-slot');
    this.root = h('aside', { class: 'month-board', id: 'month-board', 'aria-labelledby': 'months-title' },
      h('div', { class: 'board-head' }, h('h2', { id: 'months-title', text: t('months.title') }), this.count),
      // A phone shows the short hint (taps, no dragging), a wider screen the whole one.
      h('p', { class: 'board-hint' }, h('span', { class: 'hint-long', text: t(preview ? 'months.hintPreview' : 'months.hint') }),
        h('span', { class: 'hint-short', text: t('months.hintTouch') })),
      h('p', { class: 'board-keys', id: 'board-keys', text: t('months.keys') }),
      this.grid,
      h('div', { class: 'board-actions' }, this.autofillButton, this.clearButton),
      this.error, this.submit);
  }

  load() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.storageKey) || '{}');
      return Object.fromEntries(Object.entries(stored).map(([m, id]) => [Number(m), Number(id)]));
    } catch {
      return {};
    }
  }

  save() {
    localStorage.setItem(this.storageKey, JSON.stringify(this.months));
  }

  forget() {
    localStorage.removeItem(this.storageKey);
  }

  slot(month) {
    const button = h('button', { type: 'button', class: 'month-slot', dataset: { month: String(month) },
                                 onclick: (event) => this.activateMonth(month, byKeyboard(event)) });
    const clearButton = h('button', { type: 'button', class: 'slot-clear',
                                      'aria-label': t('months.clearOne', { month: monthName(month) }),
                                      text: '×', onclick: () => this.unassign(month) });
    button.addEventListener('dragstart', (event) => {
      if (!this.months[month]) return event.preventDefault();
      event.dataTransfer.setData('text/plain', `month:${month}`);
      event.dataTransfer.effectAllowed = 'move';
    });
    button.addEventListener('dragover', (event) => {
      if (!this.enabled) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      button.classList.add('is-over');
    });
    button.addEventListener('dragleave', () => button.classList.remove('is-over'));
    button.addEventListener('drop', (event) => {
      event.preventDefault();
      button.classList.remove('is-over');
      if (!this.enabled) return;
      const [kind, value] = event.dataTransfer.getData('text/plain').split(':');
      if (kind === 'variant') this.assign(month, Number(value));
      else if (kind === 'month') this.swap(Number(value), month);
    });
    // The variant's number is drawn over the slot, not in it: the slot's name starts with its visible month name.
    const number = h('span', { class: 'slot-number', 'aria-hidden': 'true', hidden: true });
    this.slots.set(month, { button, clearButton, number });
    return h('li', { class: 'month-item' }, button, number, clearButton);
  }

  /** Drop selections of variants that no longer exist (failed, deleted) — after every snapshot. */
  prune() {
    let changed = false;
    for (const [month, id] of Object.entries(this.months)) {
      const variant = this.variants.get(id);
      if (!variant || variant.status !== 'ready') {
        delete this.months[month];
        changed = true;
      }
    }
    if (changed) this.save();
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    if (!enabled) this.picked = null;
    this.render();
  }

  monthsOf(variantId) {
    return MONTHS.filter((month) => this.months[month] === variantId);
  }

  chosen() {
    return MONTHS.filter((month) => this.months[month]).length;
  }

  isPicked(variantId) {
    return this.picked && this.picked.kind === 'variant' && this.picked.id === variantId;
  }

  /** `keyboard`: the press came from Enter or Space, so the focus goes where the next press belongs. */
  activateVariant(variantId, keyboard = false) {
    if (!this.enabled) return;
    if (this.picked && this.picked.kind === 'month') {
      this.assign(this.picked.month, variantId);
      return;
    }
    this.picked = this.isPicked(variantId) ? null : { kind: 'variant', id: variantId };
    if (this.picked) announce(t('months.pickedVariant', { n: this.variants.get(variantId).variant_number }));
    this.render();
    if (this.picked && keyboard) this.slots.get(this.monthFor(variantId)).button.focus();
  }

  /** Where a picked variant most likely goes: the first empty month, else one it already fills, else January. */
  monthFor(variantId) {
    return MONTHS.find((month) => !this.months[month]) || this.monthsOf(variantId)[0] || 1;
  }

  activateMonth(month, keyboard = false) {
    if (!this.enabled) return;
    if (this.picked && this.picked.kind === 'variant') {
      const variantId = this.picked.id;
      this.assign(month, variantId);
      if (keyboard) this.focusVariant(variantId);
    } else if (this.picked && this.picked.kind === 'month') {
      if (this.picked.month !== month) this.swap(this.picked.month, month);
      else this.picked = null;
      this.render();
    } else {
      this.picked = { kind: 'month', month };
      announce(t('months.pickedMonth', { month: monthName(month) }));
      this.render();
    }
  }

  assign(month, variantId) {
    const variant = this.variants.get(variantId);
    if (!variant || variant.status !== 'ready') return;
    if (!this.preview) {
      for (const other of this.monthsOf(variantId)) if (other !== month) delete this.months[other];
    }
    this.months[month] = variantId;
    this.picked = null;
    this.changed();
    announce(t('months.assigned', { n: variant.variant_number, month: monthName(month), count: this.chosen() }));
  }

  cancelPick() {
    if (!this.picked) return;
    this.picked = null;
    announce(t('months.pickCancelled'));
    this.render();
  }

  unassign(month) {
    if (!this.enabled) return;
    delete this.months[month];
    this.changed();
    announce(t('months.cleared', { month: monthName(month) }));
  }

  swap(first, second) {
    [this.months[first], this.months[second]] = [this.months[second], this.months[first]];
    for (const month of [first, second]) if (!this.months[month]) delete this.months[month];
    this.picked = null;
    this.changed();
    announce(t('months.swapped', { a: monthName(first), b: monthName(second) }));
  }

  /** Fill the empty months: recommended variants into their suggested months, then unused variants in the
   *  gallery's order. */
  autofill(order) {
    if (!this.enabled) return;
    const ids = (order || this.order()).filter((id) => (this.variants.get(id) || {}).status === 'ready');
    const used = new Set(Object.values(this.months));
    let pool = ids.filter((id) => !used.has(id));
    // A recommended variant goes to the month suggested for it (docs/scoring.md), when that month is free.
    for (const id of pool.slice()) {
      const month = (this.variants.get(id) || {}).suggested_month;
      if (month && !this.months[month]) {
        this.months[month] = id;
        pool = pool.filter((other) => other !== id);
      }
    }
    // A preview has fewer variants than months: once each is placed, the rest of the year repeats them.
    if (this.preview && pool.length === 0) pool = ids;
    let index = 0;
    for (const month of MONTHS) {
      if (this.months[month] || !pool.length) continue;
      if (index >= pool.length) {
        if (!this.preview) break;
        index = 0;
      }
      this.months[month] = pool[index++];
    }
    this.changed();
    announce(t('months.chosen', { n: this.chosen() }));
  }

  clearAll() {
    this.months = {};
    this.picked = null;
    this.changed();
  }

  changed() {
    this.save();
    this.render();
    this.error.show('');
    if (this.onChange) this.onChange();
  }

  order() {
    return Array.from(this.variants.keys());
  }

  render() {
    const chosen = this.chosen();
    this.count.textContent = t('months.chosen', { n: chosen });
    this.count.classList.toggle('is-complete', chosen === 12);
    for (const month of MONTHS) {
      const { button, clearButton, number } = this.slots.get(month);
      const variant = this.variants.get(this.months[month]);
      const name = monthName(month);
      button.draggable = Boolean(variant) && this.enabled;
      button.disabled = !this.enabled;
      button.classList.toggle('is-filled', Boolean(variant));
      button.classList.toggle('is-picked', Boolean(this.picked && this.picked.kind === 'month'
                                                   && this.picked.month === month));
      button.setAttribute('aria-label', variant ? t('months.slotFilled', { month: name, n: variant.variant_number })
        : t('months.slotEmpty', { month: name }));
      clear(button,
        variant ? picture(h('img', { src: variant.thumbnail_url, alt: '', draggable: false }),
          variant.thumbnail_webp_url) : h('span', {
          class: 'slot-empty', 'aria-hidden': 'true', text: '+' }),
        h('span', { class: 'month-name', text: name }));
      number.textContent = variant ? `№${variant.variant_number}` : '';
      number.hidden = !variant;
      clearButton.hidden = !variant || !this.enabled;
    }
    this.autofillButton.disabled = !this.enabled || chosen === 12;
    this.clearButton.disabled = !this.enabled || chosen === 0;
    this.submit.disabled = !this.enabled || chosen !== 12 || this.submitting;
    this.root.classList.toggle('is-picking', Boolean(this.picked));
  }

  async send() {
    const selections = MONTHS.map((month) => ({ variant_id: this.months[month], month_number: month }));
    this.error.show('');
    this.submitting = true;
    try {
      const answer = await busy(this.submit, () => api(`/api/calendars/generate/${this.jobId}/select`, {
        method: 'POST', json: { selections } }), t('months.creating'));
      this.onSubmitted(answer);
    } catch (err) {
      this.error.show(errorMessage(err));
    } finally {
      this.submitting = false;
      this.render();
    }
  }
}

/** A click that Enter or Space made: it has no pointer position and a detail of 0. */
export function byKeyboard(event) {
  return event.detail === 0;
}
