// A forgotten password: ask for a link by e-mail (#/forgot), then set a new one from that link (#/reset/<token>).
// The request is answered alike whether or not the e-mail has an account, so the page says the same either way.
import { api, signIn } from './api.js';
import { alertBox, busy, errorMessage, h } from './dom.js';
import { t } from './i18n.js';

const MIN_PASSWORD = 8;

function panel(title, lead, ...content) {
  return h('section', { class: 'panel auth-panel' },
    h('div', { class: 'auth-intro' }, h('h1', { text: t(title) }), h('p', { class: 'lead', text: t(lead) })),
    h('div', { class: 'auth-box' }, ...content));
}

export async function renderForgot(view) {
  const error = alertBox();
  const sent = alertBox('info');
  const email = h('input', { id: 'forgot-email', name: 'email', type: 'email', required: true,
                             autocomplete: 'email', placeholder: 'olena@example.com' });
  const submit = h('button', { type: 'submit', class: 'button primary wide', id: 'forgot-submit',
                               text: t('reset.send') });
  const form = h('form', { class: 'auth-form', novalidate: true },
    h('label', { for: 'forgot-email', text: t('field.email') }), email, error, sent, submit,
    h('p', { class: 'auth-switch' }, h('a', { href: '#/login', class: 'link-button', text: t('reset.backToSignIn') })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show('');
    if (!email.value.includes('@')) return error.show(t('auth.badEmail'));
    try {
      await busy(submit, () => api('/api/auth/password-reset', { method: 'POST', json: { email: email.value.trim() } }));
      sent.show(t('reset.sent', { email: email.value.trim() }));
    } catch (err) {
      error.show(errorMessage(err));
    }
  });
  view.replaceChildren(panel('auth.forgot', 'reset.forgotLead', form));
  email.focus();
}

export async function renderReset(view, ctx) {
  const token = ctx.params[0];
  const error = alertBox();
  const password = h('input', { id: 'reset-password', name: 'password', type: 'password', required: true,
                                minlength: String(MIN_PASSWORD), maxlength: '128', autocomplete: 'new-password' });
  const again = h('input', { id: 'reset-password-again', name: 'password-again', type: 'password', required: true,
                             minlength: String(MIN_PASSWORD), maxlength: '128', autocomplete: 'new-password' });
  const submit = h('button', { type: 'submit', class: 'button primary wide', id: 'reset-submit',
                               text: t('reset.save') });
  const askAgain = h('a', { href: '#/forgot', class: 'link-button', id: 'reset-ask-again', hidden: true,
                            text: t('reset.askAgain') });
  const form = h('form', { class: 'auth-form', novalidate: true },
    h('label', { for: 'reset-password', text: t('reset.newPassword') }), password,
    h('p', { class: 'field-hint', text: t('auth.passwordHint') }),
    h('label', { for: 'reset-password-again', text: t('reset.repeatPassword') }), again,
    error, submit, h('p', { class: 'auth-switch' }, askAgain));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.show('');
    if (password.value.length < MIN_PASSWORD) return error.show(t('auth.shortPassword'));
    if (password.value !== again.value) return error.show(t('reset.mismatch'));
    try {
      const tokenOut = await busy(submit, () => api('/api/auth/password-reset/confirm', {
        method: 'POST', json: { token, password: password.value } }));
      signIn(tokenOut); // the link ended every other session; this one starts signed in
      location.hash = '#/jobs';
    } catch (err) {
      error.show(errorMessage(err));
      askAgain.hidden = err.code !== 'reset_token_invalid';
    }
  });
  view.replaceChildren(panel('reset.title', 'reset.lead', form));
  password.focus();
}
