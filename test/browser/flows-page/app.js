// A small app using the official web SDK for the mailed flows, driven by
// test/browser/account-flows.browser.test.ts: /magic and /reset are where the mailed links land.
(function () {
  'use strict';
  const params = new URLSearchParams(location.search);
  const endpoint = params.get('api') || localStorage.getItem('api');
  localStorage.setItem('api', endpoint);
  const client = new Appwrite.Client().setEndpoint(endpoint).setProject('default');
  const account = new Appwrite.Account(client);
  const status = document.getElementById('status');

  function show(text, state) {
    status.textContent = text;
    status.className = state || '';
  }

  function failed(err) {
    show('Failed: ' + (err && err.type) + ': ' + (err && err.message), 'failed');
  }

  function onSubmit(id, run) {
    document.getElementById(id).addEventListener('submit', (e) => {
      e.preventDefault();
      run().catch(failed);
    });
  }

  onSubmit('magic-form', async () => {
    const email = document.getElementById('magic-email').value;
    await account.createMagicURLToken({ userId: Appwrite.ID.unique(), email, url: location.origin + '/magic' });
    show('Check your inbox for a sign-in link', 'sent');
  });

  onSubmit('forgot-form', async () => {
    const email = document.getElementById('forgot-email').value;
    await account.createRecovery({ email, url: location.origin + '/reset' });
    show('Check your inbox for a reset link', 'sent');
  });

  onSubmit('reset-form', async () => {
    const password = document.getElementById('new-password').value;
    await account.updateRecovery({ userId: params.get('userId'), secret: params.get('secret'), password });
    show('Password changed', 'done');
  });

  async function finishMagicLink() {
    await account.createSession({ userId: params.get('userId'), secret: params.get('secret') });
    const me = await account.get();
    show('Signed in as ' + me.email + (me.emailVerification ? ' (verified)' : ''), 'done');
  }

  if (location.pathname === '/magic') finishMagicLink().catch(failed);
  if (location.pathname === '/reset') document.getElementById('reset-form').hidden = false;

  /** Signs in with email and password; resolves to plain JSON for page.evaluate. */
  async function signIn(email, password) {
    try {
      await account.createEmailPasswordSession({ email, password });
      const me = await account.get();
      return { user: { $id: me.$id, email: me.email } };
    } catch (err) {
      return { error: { code: err && err.code, type: err && err.type } };
    }
  }

  window.tessera = { signIn };
})();
