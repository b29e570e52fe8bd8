// The customer's rating of a finished calendar (1-5 stars and an optional comment): one per calendar, changeable.
// Native radio buttons in a fieldset, so the group has a name and arrow keys move between the stars.
import { api, ApiError } from './api.js';
import { alertBox, busy, errorMessage, h } from './dom.js';
import { t } from './i18n.js';

const STARS = [1, 2, 3, 4, 5];

export function ratingPanel(calendarId) {
  const url = `/api/calendars/${calendarId}/rating`;
  const radios = STARS.map((stars) => h('input', { type: 'radio', name: 'rating-stars', id: `rating-${stars}`,
                                                   value: String(stars) }));
  const comment = h('textarea', { id: 'rating-comment', rows: 2, maxlength: 2000 });
  const status = h('p', { class: 'field-hint', id: 'rating-status', role: 'status' });
  const error = alertBox();
  const submit = h('button', { type: 'submit', class: 'button', id: 'rating-submit', text: t('rating.submit') });

  function show(rating) {
    radios.forEach((radio) => { radio.checked = Number(radio.value) === rating.stars; });
    comment.value = rating.comment || '';
    status.textContent = t('rating.saved', { stars: rating.stars });
  }

  const form = h('form', { class: 'rating-form', id: 'rating-form', novalidate: true },
    h('h2', { text: t('rating.title') }),
    h('fieldset', { class: 'rating-stars' }, h('legend', { text: t('rating.legend') }),
      STARS.map((stars, i) => h('span', { class: 'rating-choice' }, radios[i],
        h('label', { for: `rating-${stars}`, text: t('rating.stars', { stars }) })))),
    h('label', { for: 'rating-comment', text: t('rating.comment') }), comment,
    error, submit, status);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = radios.find((radio) => radio.checked);
    if (!chosen) return error.show(t('rating.pick'));
    error.show('');
    const text = comment.value.trim();
    busy(submit, async () => {
      try {
        show(await api(url, { method: 'POST', json: { stars: Number(chosen.value), comment: text || null } }));
      } catch (err) {
        error.show(errorMessage(err));
      }
    });
  });

  api(url).then(show).catch((err) => {
    if (!(err instanceof ApiError && err.status === 404)) error.show(errorMessage(err));  // 404: not rated yet
  });
  return form;
}
