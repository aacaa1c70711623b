// The low-code app's client logic, as an Appsmith app would wire it: a REST query for the login,
// storeValue('jwt', …), a query to the protected API with the stored token, and a logout action.
(function () {
  const { endpoint, projectId } = window.TESSERA;
  const STORE_KEY = 'jwt';

  async function login(identifier, password) {
    const res = await fetch(`${endpoint}/auth/local`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-appwrite-project': projectId },
      body: JSON.stringify({ identifier, password }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.message || `Sign-in failed (${res.status})`);
    localStorage.setItem(STORE_KEY, body.jwt);
    return body.user;
  }

  function loginPage() {
    if (localStorage.getItem(STORE_KEY)) return void location.assign('/main.html');
    document.getElementById('login').addEventListener('submit', async (e) => {
      e.preventDefault();
      const error = document.getElementById('error');
      error.textContent = '';
      try {
        await login(document.getElementById('identifier').value, document.getElementById('password').value);
        location.assign('/main.html');
      } catch (err) {
        error.textContent = err.message;
      }
    });
  }

  async function mainPage() {
    const jwt = localStorage.getItem(STORE_KEY);
    if (!jwt) return void location.assign('/');
    document.getElementById('logout').addEventListener('click', () => logout(jwt));
    const res = await fetch('/api/orders', { headers: { authorization: `Bearer ${jwt}` } });
    if (res.status === 401) {
      // Expired or revoked: back to the login form.
      localStorage.removeItem(STORE_KEY);
      return void location.assign('/');
    }
    const data = await res.json();
    document.getElementById('whoami').textContent = `Signed in as ${data.userId}`;
    const rows = document.querySelector('#orders tbody');
    for (const o of data.orders) {
      const tr = document.createElement('tr');
      for (const v of [o.id, o.item, o.total]) tr.appendChild(document.createElement('td')).textContent = String(v);
      rows.appendChild(tr);
    }
    document.getElementById('orders').hidden = false;
    if (data.revenue !== undefined) {
      const revenue = document.getElementById('revenue');
      revenue.textContent = `Revenue: ${data.revenue}`;
      revenue.hidden = false;
    }
  }

  async function logout(jwt) {
    // Ends the session behind the JWT on Tessera (DELETE /v1/auth/local), then forgets the token.
    await fetch(`${endpoint}/auth/local`, { method: 'DELETE', headers: { authorization: `Bearer ${jwt}`, 'x-appwrite-project': projectId } }).catch(() => {});
    localStorage.removeItem(STORE_KEY);
    location.assign('/');
  }

  window.lowcode = { login, loginPage, mainPage };
})();
