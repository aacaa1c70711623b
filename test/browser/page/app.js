// The browser half of the custom-token flow, driven by test/browser/custom-token.browser.test.ts.
// Every function resolves to plain JSON (never throws), so page.evaluate can return it.
(function () {
  'use strict';
  const status = document.getElementById('status');
  document.getElementById('origin').textContent = location.origin;

  function account(endpoint) {
    document.getElementById('endpoint').textContent = endpoint;
    const client = new Appwrite.Client().setEndpoint(endpoint).setProject('default');
    return new Appwrite.Account(client);
  }

  function show(text, state) {
    status.textContent = text;
    status.className = state;
  }

  function failure(err) {
    return { error: { name: err && err.name, message: String(err && err.message), code: err && err.code, type: err && err.type } };
  }

  function user(u) {
    return { $id: u.$id, email: u.email, name: u.name };
  }

  async function login(endpoint, userId, secret) {
    const acc = account(endpoint);
    try {
      const session = await acc.createSession({ userId, secret });
      const me = await acc.get();
      show('Signed in as ' + me.email, 'signed-in');
      return { session: { $id: session.$id, userId: session.userId, provider: session.provider }, user: user(me) };
    } catch (err) {
      show('Login failed: ' + (err && err.message), 'failed');
      return failure(err);
    }
  }

  async function whoami(endpoint) {
    try {
      return { user: user(await account(endpoint).get()) };
    } catch (err) {
      return failure(err);
    }
  }

  async function logout(endpoint) {
    try {
      await account(endpoint).deleteSession({ sessionId: 'current' });
      show('Signed out', '');
      return { ok: true };
    } catch (err) {
      return failure(err);
    }
  }

  window.tessera = { login, whoami, logout };
})();
