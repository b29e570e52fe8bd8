// Sign up / sign in, and the e-mailed link that confirms a sign-up (#/verify/<token>).
// Sign-up answers alike whether or not the e-mail has an account (the e-mail itself says which), so the page says
// "check your e-mail" either way; until the link is opened, signing in answers as a wrong password does.
import { api, getToken, signIn } from './api.js';
import { alertBox, busy, errorMessage, h } from './dom.js';
import { getLang, t } from './i18n.js';

export async function renderAuth(view) {
  if (getToken()) {
    location.replace('#/jobs');
    return;
  }
  let mode = location.hash === '#/signup' ? 'register' : 'login';
  const error = alertBox();
  const notice = alertBox('info');
  notice.id = 'auth-notice';
  notice.tabIndex = -1; // focused when it says what to do next
  if (sessionStorage.getItem('calendary.signed-out-reason') === 'expired') {
    notice.show(t('auth.sessionExpired'));
    sessionStorage.removeItem('calendary.signed-out-reason');
  }
  const email = h('input', { id: 'auth-email', name: 'email', type: 'email', required: true,
                             autocomplete: 'email', placeholder: 'olena@example.com' });
  const password = h('input', { id: 'auth-password', name: 'password', type: 'password', required: true,
                                minlength: '8', maxlength: '128', autocomplete: 'current-password' });
  const title = h('h1', {});
  const lead = h('p', { class: 'lead' });
  const submit = h('button', { type: 'submit', class: 'button primary wide' });
  const switcher = h('button', { type: 'button', class: 'link-button' });
  const forgot = h('a', { href: '#/forgot', class: 'link-button', id: 'forgot-password', text: t('auth.forgot') });
  const hint = h('p', { class: 'field-hint', id: 'password-hint', text: t('auth.passwordHint') });
  password.setAttribute('aria-describedby', 'password-hint');

  function applyMode() {
    title.textContent = t(mode === 'login' ? 'auth.signInTitle' : 'auth.signUpTitle');
    lead.textContent = t(mode === 'login' ? 'auth.signInLead' : 'auth.signUpLead');
    submit.textContent = t(mode === 'login' ? 'auth.signIn' : 'auth.signUp');
    switcher.textContent = t(mode === 'login' ? 'auth.toSignUp' : 'auth.toSignIn');
    password.autocomplete = mode === 'login' ? 'current-password' : 'new-password';
    hint.hidden = mode === 'login';
    forgot.hidden = mode !== 'login';
    error.show('');
  }

  switcher.addEventListener('click', () => {
    mode = mode === 'login' ? 'register' : 'login';
    applyMode();
  });

  const form = h('form', { class: 'auth-form', novalidate: true },
    h('label', { for: 'auth-email', text: t('field.email') }), email,
    h('label', { for: 'auth-password', text: t('field.password') }), password, hint,
    error, submit, h('p', { class: 'auth-switch' }, switcher), h('p', { class: 'auth-switch' }, forgot));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show('');
    if (!email.value.includes('@')) return error.show(t('auth.badEmail'));
    if (password.value.length < 8) return error.show(t('auth.shortPassword'));
    const credentials = { email: email.value.trim(), password: password.value };
    try {
      if (mode === 'register') {
        // The account's e-mails (the confirmation first) in the language the page is shown in.
        await busy(submit, () => api('/api/auth/register', { method: 'POST', json: { ...credentials, language: getLang() } }));
        mode = 'login'; // the next step, once the link is opened, is signing in
        applyMode();
        password.value = '';
        notice.show(t('auth.checkEmail', { email: credentials.email }));
        notice.focus();
        return;
      }
      signIn(await busy(submit, () => api('/api/auth/login', { method: 'POST', json: credentials })));
      const next = sessionStorage.getItem('calendary.after-login');
      sessionStorage.removeItem('calendary.after-login');
      location.hash = next && next !== '#/login' ? next : '#/jobs';
    } catch (err) {
      error.show(errorMessage(err));
    }
  });

  applyMode();
  view.replaceChildren(h('section', { class: 'panel auth-panel' },
    h('div', { class: 'auth-intro' },
      h('p', { class: 'eyebrow', text: t('app.tagline') }), title, lead,
      h('ul', { class: 'auth-points' }, ['auth.point1', 'auth.point2', 'auth.point3'].map(
        (key) => h('li', { text: t(key) })))),
    h('div', { class: 'auth-box' }, notice, form)));
  email.focus();
}

export async function renderVerify(view, ctx) {
  const status = h('p', { class: 'lead', id: 'verify-status', role: 'status', text: t('common.loading') });
  const error = alertBox();
  const links = h('p', { class: 'auth-switch', hidden: true },
    h('a', { href: '#/login', class: 'link-button', id: 'verify-sign-in', text: t('reset.backToSignIn') }));
  view.replaceChildren(h('section', { class: 'panel auth-panel' },
    h('div', { class: 'auth-intro' }, h('h1', { text: t('verify.title') }), status),
    h('div', { class: 'auth-box' }, error, links)));
  try {
    signIn(await api('/api/auth/verify', { method: 'POST', json: { token: ctx.params[0] } }));
    location.replace('#/new'); // confirmed and signed in: the first step of a calendar
  } catch (err) {
    status.textContent = '';
    error.show(errorMessage(err));
    links.hidden = false;
  }
}
