// auth.js: signing in to a broker that runs with --auth. The console asks
// GET /auth/info whether credentials are needed; if so it shows a sign-in
// form, trades the user name and password for a bearer token
// (POST /auth/login) and keeps only the token, in sessionStorage (gone when
// the tab closes). Every call to the broker goes through authFetch, which
// sends the token; any 401 brings the form back with a message. With auth
// off nothing of this shows and requests go out as before.

const $ = (id) => document.getElementById(id);
const KEY = 'tannin.auth';     // sessionStorage: {token, username, role}

let authEnabled = false;
let waiting = null;            // {promise, resolve} while signed out

function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

// fetch() for the broker's API: the bearer token when there is one, and
// X-Requested-With so the broker challenges with Bearer, not Basic (a Basic
// challenge would make the browser open its own password dialog).
// While signed out, calls wait for the user to sign in again rather than
// fail one after another.
export async function authFetch(url, options = {}) {
  if (waiting) await waiting.promise;
  const headers = new Headers(options.headers || {});
  headers.set('X-Requested-With', 'XMLHttpRequest');
  const s = session();
  if (s && s.token) headers.set('Authorization', `Bearer ${s.token}`);
  const res = await fetch(url, { ...options, headers });
  if (res.status === 401 && authEnabled && !waiting) {
    signOut('Your session has expired or was revoked: please sign in again.');
  }
  return res;
}

function showUser(s) {
  $('user').hidden = !s;
  if (s) {
    $('user-name').textContent = s.username;
    $('user-role').textContent = s.role === 'ADMIN' ? 'admin' : 'user';
  }
}

// Shows the form (with message, if any) instead of the pages; notes are
// not errors and look it.
function showLogin(message, note = false) {
  document.body.classList.add('signed-out');
  $('login').hidden = false;
  const err = $('login-error');
  err.textContent = message || '';
  err.hidden = !message;
  err.classList.toggle('warn', note);
  $('login-password').value = '';
  ($('login-user').value ? $('login-password') : $('login-user')).focus();
}

function hideLogin() {
  document.body.classList.remove('signed-out');
  $('login').hidden = true;
}

// Forgets the token and asks for credentials again; the pages carry on
// (dashboards retry on their own) once the user is back.
export function signOut(message, note = false) {
  sessionStorage.removeItem(KEY);
  showUser(null);
  showLogin(message, note);
  if (!waiting) {
    let resolve;
    const promise = new Promise((r) => { resolve = r; });
    waiting = { promise, resolve };
  }
  return waiting.promise;
}

// The form's submit: POST /auth/login; the token is kept, the password not.
async function submit(ev) {
  ev.preventDefault();
  const button = $('login-submit');
  const username = $('login-user').value.trim();
  const password = $('login-password').value;
  button.disabled = true;
  let res;
  let body = {};
  try {
    res = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest' },
      body: JSON.stringify({ username, password }),
    });
    body = await res.json().catch(() => ({}));
  } catch (e) {
    button.disabled = false;
    showLogin(`The broker is unreachable: ${e.message}`);
    return;
  }
  button.disabled = false;
  if (!res.ok || !body.token) {
    showLogin(res.status === 401 ? 'Wrong user name or password.'
      : body.error || `Sign-in failed: HTTP ${res.status}`);
    return;
  }
  const s = { token: body.token, username: body.username, role: body.role };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  $('login-password').value = '';
  hideLogin();
  showUser(s);
  const w = waiting;
  waiting = null;
  if (w) w.resolve();
  document.dispatchEvent(new CustomEvent('tannin-signed-in'));
}

// Resolves once requests can be made: at once with auth off or a token
// that still works, after a successful sign-in otherwise.
export async function ensureSignedIn() {
  $('login-form').addEventListener('submit', submit);
  $('sign-out').addEventListener('click', (ev) => {
    ev.preventDefault();
    signOut('You have signed out.', true);
  });
  try {
    const info = await (await fetch('/auth/info', { cache: 'no-store' })).json();
    authEnabled = info.authEnabled === true;
  } catch {
    authEnabled = false;     // an older broker without /auth/info: no auth
  }
  if (!authEnabled) return;
  const s = session();
  if (s && s.token) {
    const res = await fetch('/auth/whoami', {
      headers: { Authorization: `Bearer ${s.token}`, 'X-Requested-With': 'XMLHttpRequest' },
    }).catch(() => null);
    if (res && res.ok) {
      showUser(s);
      return;
    }
  }
  await signOut(s ? 'Your session has expired: please sign in again.' : '', true);
}
