// The single-page app: hash routes, the header (navigation, language), the wizard steps, global error handling.
import { api, getToken, getUser, signOut } from './api.js';
import { clear, h, hideBanner, showBanner, errorMessage } from './dom.js';
import { LANGS, applyStatic, getLang, onLangChange, setLang, t } from './i18n.js';
import { renderAuth, renderVerify } from './auth.js';
import { renderForgot, renderReset } from './reset.js';
import { renderLanding } from './landing.js';
import { renderUpload } from './upload.js';
import { renderTemplates } from './templates.js';
import { renderJobs } from './jobs.js';
import { renderJob } from './job.js';
import { renderCalendar } from './calendar.js';

const ROUTES = [
  { pattern: /^#\/welcome$/, render: renderLanding, public: true },
  { pattern: /^#\/login$/, render: renderAuth, public: true },
  { pattern: /^#\/signup$/, render: renderAuth, public: true },
  { pattern: /^#\/forgot$/, render: renderForgot, public: true },
  { pattern: /^#\/reset\/([A-Za-z0-9._~-]+)$/, render: renderReset, public: true },
  { pattern: /^#\/verify\/([A-Za-z0-9._~-]+)$/, render: renderVerify, public: true },
  { pattern: /^#\/new$/, render: renderUpload, step: 1 },
  { pattern: /^#\/theme$/, render: renderTemplates, step: 2 },
  { pattern: /^#\/jobs$/, render: renderJobs },
  { pattern: /^#\/job\/(\d+)$/, render: renderJob, step: 3 },
  { pattern: /^#\/calendar\/(\d+)$/, render: renderCalendar, step: 5 },
];
const STEP_KEYS = ['steps.photos', 'steps.theme', 'steps.generation', 'steps.choice', 'steps.calendar'];

let cleanups = [];
let renderCount = 0;

function runCleanups() {
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch (err) {
      console.error(err);
    }
  }
}

function setStep(step) {
  const list = document.getElementById('steps');
  if (!step) {
    list.hidden = true;
    return;
  }
  list.hidden = false;
  clear(list, STEP_KEYS.map((key, index) => {
    const number = index + 1;
    const state = number < step ? 'done' : number === step ? 'current' : 'todo';
    return h('li', { class: `step step-${state}`, 'aria-current': state === 'current' ? 'step' : null },
      h('span', { class: 'step-number', text: number }), h('span', { class: 'step-label', text: t(key) }));
  }));
}

function renderHeader() {
  const nav = document.getElementById('nav');
  const user = getUser();
  const links = getToken() ? [
    h('a', { href: '#/new', class: 'nav-link', text: t('nav.new') }),
    h('a', { href: '#/jobs', class: 'nav-link', text: t('nav.jobs') }),
    h('span', { class: 'nav-user', text: user ? user.email : '' }),
    h('button', { type: 'button', class: 'link-button', text: t('nav.signOut'), onclick: async () => {
      // Revokes the token on the server too (every session of the account): a copied token stops working.
      try { await api('/api/auth/logout', { method: 'POST' }); } catch { /* signed out here all the same */ }
      signOut();
      location.hash = '#/login';
    } }),
  ] : [];
  const langs = h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('nav.language') },
    LANGS.map((code) => h('button', {
      type: 'button', class: 'lang-button', text: code.toUpperCase(), lang: code,
      'aria-pressed': String(code === getLang()), onclick: () => setLang(code),
    })));
  clear(nav, links, langs);
}

async function route() {
  runCleanups();
  hideBanner();
  const token = getToken();
  let hash = location.hash || '#/';
  if (hash === '#/' || hash === '#') {
    location.replace(token ? '#/jobs' : '#/welcome');
    return;
  }
  const match = ROUTES.find((candidate) => candidate.pattern.test(hash));
  if (!match) {
    location.replace('#/');
    return;
  }
  if (!match.public && !token) {
    sessionStorage.setItem('calendary.after-login', hash);
    location.replace('#/login');
    return;
  }
  renderHeader();
  setStep(match.step);
  const view = document.getElementById('view');
  const renderId = ++renderCount;
  const ctx = {
    params: hash.match(match.pattern).slice(1),
    setStep,
    onCleanup: (fn) => cleanups.push(fn),
    isCurrent: () => renderId === renderCount,
  };
  clear(view, h('p', { class: 'loading', text: t('common.loading') }));
  try {
    await match.render(view, ctx);
  } catch (err) {
    console.error(err);
    if (renderId !== renderCount) return;
    clear(view, h('section', { class: 'panel error-panel' },
      h('h1', { text: t('error.pageTitle') }),
      h('p', { class: 'alert alert-error', role: 'alert', text: errorMessage(err) }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'button primary', text: t('common.retry'), onclick: route }),
        h('a', { href: '#/jobs', class: 'button', text: t('nav.jobs') }))));
  }
  document.body.dataset.view = hash.split('/')[1] || '';
}

window.addEventListener('error', (event) => {
  showBanner(t('error.unexpected', { message: event.message || '' }));
});
window.addEventListener('unhandledrejection', (event) => {
  showBanner(t('error.unexpected', { message: errorMessage(event.reason) }));
});
window.addEventListener('calendary:signed-out', () => {
  sessionStorage.setItem('calendary.after-login', location.hash);
  sessionStorage.setItem('calendary.signed-out-reason', 'expired');
  location.hash = '#/login';
});
window.addEventListener('hashchange', route);
onLangChange(() => {
  applyStatic();
  route();
});

applyStatic();
route();
