// Notification centre widget (browser ES module). It is embedded as an iframe in the host apps,
// shows the user's notifications, lets them follow a notification's link and reports the unread count
// to the host page.
import DOMPurify from 'dompurify';

const API = '/api/notifications';
const HOST_ORIGINS = new Set(['https://app.example.com', 'https://admin.example.com']);
const params = new URLSearchParams(window.location.search);
const hostOrigin = HOST_ORIGINS.has(params.get('host')) ? params.get('host') : 'https://app.example.com';

const listEl = document.getElementById('notifications');
const bannerEl = document.getElementById('banner');
const emptyEl = document.getElementById('empty');
const backEl = document.getElementById('back-link');

let filterFn = () => true;

function renderItem(n) {
  const li = document.createElement('li');
  li.dataset.id = n.id;
  li.className = n.read ? 'read' : 'unread';
  const title = document.createElement('strong');
  title.textContent = n.title;
  const body = document.createElement('div');
  body.innerHTML = DOMPurify.sanitize(n.bodyHtml); // ok: JS-XSS-001
  li.append(title, body);
  return li;
}

function renderList(items) {
  listEl.replaceChildren(...items.filter(filterFn).map(renderItem));
  emptyEl.hidden = items.length > 0;
}

function renderBanner(announcement) {
  bannerEl.innerHTML = `<p class="banner ${announcement.level}">${announcement.message}</p>`; // expect: JS-XSS-001
}

function renderDigest(groups) {
  const rows = groups.map((g) => `<li>${g.label}: ${g.count} new</li>`).join('');
  document.getElementById('digest').insertAdjacentHTML('beforeend', `<ul>${rows}</ul>`); // expect: JS-XSS-001
}

function showSearchTerm() {
  const term = params.get('q');
  if (term) {
    document.getElementById('search-echo').innerHTML = 'Showing results for <b>' + term + '</b>'; // expect: JS-XSS-001
  }
}

function applySavedFilter(saved) {
  if (saved && saved.expression) {
    filterFn = new Function('n', `return (${saved.expression});`); // expect: JS-EVAL-001
  }
}

function reportUnread(count, token) {
  window.parent.postMessage({ type: 'notifications:unread', count }, hostOrigin); // ok: JS-MSG-001
  window.parent.postMessage({ type: 'notifications:session', token }, '*'); // expect: JS-MSG-001
}

window.addEventListener('message', (event) => { // expect: JS-MSG-001
  if (event.data && event.data.type === 'notifications:theme') {
    document.documentElement.dataset.theme = event.data.theme;
  }
  if (event.data && event.data.type === 'notifications:filter') {
    applySavedFilter(event.data.filter);
    load();
  }
});

window.addEventListener('message', (event) => { // ok: JS-MSG-001
  if (!HOST_ORIGINS.has(event.origin)) return;
  if (event.data && event.data.type === 'notifications:markAllRead') {
    fetch(`${API}/read-all`, { method: 'POST', credentials: 'same-origin' }).then(load);
  }
});

listEl.addEventListener('click', async (event) => {
  const li = event.target.closest('li');
  if (!li) return;
  const res = await fetch(`${API}/${encodeURIComponent(li.dataset.id)}/open`, { method: 'POST', credentials: 'same-origin' });
  const { actionUrl } = await res.json();
  const target = new URL(actionUrl, window.location.origin);
  if (target.origin === window.location.origin) {
    window.location.assign(target.href); // ok: JS-REDIRECT-001
  }
});

function wireBackLink() {
  const back = params.get('back');
  if (back) {
    backEl.setAttribute('href', back); // expect: JS-XSS-004
  }
}

function finishOnboarding() {
  const next = params.get('next') || '/';
  window.location.href = next; // expect: JS-REDIRECT-001
}

function newRequestId() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`; // ok: JS-RAND-001
}

async function load() {
  const res = await fetch(API, { credentials: 'same-origin', headers: { 'X-Request-Id': newRequestId() } });
  if (!res.ok) return;
  const data = await res.json();
  renderList(data.items);
  if (data.announcement) renderBanner(data.announcement);
  if (data.digest) renderDigest(data.digest);
  applySavedFilter(JSON.parse(localStorage.getItem('notifications:filter') || 'null'));
  reportUnread(data.items.filter((n) => !n.read).length, data.widgetToken);
}

document.getElementById('done').addEventListener('click', finishOnboarding);
showSearchTerm();
wireBackLink();
load();
