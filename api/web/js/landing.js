// The landing page for visitors: what Calendary makes, a sample calendar (rendered by the server from bundled
// images), the themes with their prices; signing up is the primary action, signing in the secondary one.
import { getToken, loadConfig, loadTemplates } from './api.js';
import { h } from './dom.js';
import { formatMoney, getLang, monthName, t, themeText } from './i18n.js';

const SAMPLE_MONTH = 3; // March: a month with a holiday, so the sample shows what a month page carries

function samplePage(page, label) {
  // The server renders pages at 1000 px on the long side, A4 portrait: the size is known before they load.
  return h('figure', { class: 'sample-page' },
    h('img', { src: `/api/showcase/${getLang()}/pages/${page}`, alt: label, width: 707, height: 1000,
               decoding: 'async', id: `sample-page-${page}` }),
    h('figcaption', { text: label }));
}

function themeItem(template) {
  const text = themeText(template);
  return h('li', { class: 'landing-theme', dataset: { theme: template.theme } },
    template.preview_url ? h('img', { src: template.preview_url, alt: '', loading: 'lazy', decoding: 'async' }) : null,
    h('div', { class: 'landing-theme-body' },
      h('h3', { text: text.name }),
      h('p', { text: text.description }),
      h('p', { class: 'theme-price', text: t('theme.priceFrom', { price: formatMoney(template.price) }) })));
}

export async function renderLanding(view, ctx) {
  if (getToken()) {
    location.replace('#/jobs');
    return;
  }
  const [templates, config] = await Promise.all([loadTemplates().catch(() => []), loadConfig()]);
  if (!ctx.isCurrent()) return;
  view.replaceChildren(
    h('section', { class: 'panel landing-hero', 'aria-labelledby': 'landing-title' },
      h('div', { class: 'landing-intro' },
        h('p', { class: 'eyebrow', text: t('app.tagline') }),
        h('h1', { id: 'landing-title', text: t('landing.title') }),
        h('p', { class: 'lead', text: t('landing.lead') }),
        h('ol', { class: 'landing-steps' },
          h('li', { text: t('landing.step1') }),
          h('li', { text: t('landing.step2', { n: config.variant_count }) }),
          h('li', { text: t('landing.step3') })),
        h('div', { class: 'landing-actions' },
          h('a', { href: '#/signup', class: 'button primary big', id: 'landing-signup', text: t('landing.signUp') }),
          h('a', { href: '#/login', class: 'button ghost', id: 'landing-signin', text: t('landing.signIn') }))),
      h('div', { class: 'sample-calendar', role: 'group', 'aria-label': t('landing.sample') },
        samplePage(0, t('landing.sampleCover')), samplePage(SAMPLE_MONTH, monthName(SAMPLE_MONTH)))),
    h('section', { class: 'panel landing-themes', 'aria-labelledby': 'landing-themes-title' },
      h('h2', { id: 'landing-themes-title', text: t('landing.themesTitle') }),
      h('p', { class: 'field-hint', text: t('landing.themesHint', { n: config.variant_count,
                                                                   preview: config.preview_variant_count }) }),
      h('ul', { class: 'landing-theme-grid', id: 'landing-themes' }, templates.map(themeItem))));
}
