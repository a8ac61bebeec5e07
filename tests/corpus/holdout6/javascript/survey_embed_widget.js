// Survey builder: the embeddable survey widget (browser ES module, runs inside an iframe on customers' sites).
//
// It loads a survey definition from our API, renders the pages, applies branching rules, saves progress and
// tells the host page when the respondent is done. Attacker data: survey definitions (any account can publish a
// survey: titles, help text, options, branching rules, links), the iframe's own URL (`location.search`), and
// `message` events from whatever page embeds the widget.

import DOMPurify from 'dompurify';

const API_BASE = '/api/v1';
const params = new URLSearchParams(window.location.search);
const surveyId = params.get('s');
const root = document.getElementById('survey-root');
const state = { page: 0, answers: {}, survey: null, resumeToken: null };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function safeLink(url) {
  try {
    const u = new URL(url, window.location.origin);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : '#';
  } catch (e) {
    return '#';
  }
}

function shuffle(items) {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));  // ok: JS-RAND-001
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function compileRule(rule) {
  // rules look like "answers.q3 === 'yes' && answers.q4 > 2"
  return new Function('answers', `return (${rule.when});`);  // expect: JS-EVAL-001
}

function renderQuestion(q) {
  const box = el('fieldset', 'question');
  const legend = el('legend');
  legend.innerHTML = q.title;  // expect: JS-XSS-001
  box.appendChild(legend);
  if (q.help) {
    const help = el('div', 'help');
    help.innerHTML = DOMPurify.sanitize(q.help);  // ok: JS-XSS-001
    box.appendChild(help);
  }
  const options = q.randomiseOptions ? shuffle(q.options) : q.options;
  for (const opt of options) {
    const label = el('label', 'option', opt.label);  // ok: JS-XSS-001
    const input = el('input');
    input.type = q.multiple ? 'checkbox' : 'radio';
    input.name = q.id;
    input.value = opt.value;
    input.addEventListener('change', () => { state.answers[q.id] = opt.value; });
    label.prepend(input);
    box.appendChild(label);
  }
  return box;
}

function renderPage() {
  const page = state.survey.pages[state.page];
  root.replaceChildren(el('h2', 'survey-title', state.survey.title));
  page.questions.forEach((q) => root.appendChild(renderQuestion(q)));
  const footer = el('footer');
  const privacy = el('a', 'privacy', 'Privacy notice');
  privacy.href = state.survey.privacyUrl;  // expect: JS-XSS-004
  const terms = el('a', 'terms', 'Terms');
  terms.href = safeLink(state.survey.termsUrl);  // ok: JS-XSS-004
  footer.append(privacy, terms);
  root.appendChild(footer);
}

function nextPage() {
  const rules = state.survey.pages[state.page].rules || [];
  const jump = rules.find((r) => compileRule(r)(state.answers));
  state.page = jump ? jump.goto : state.page + 1;
  saveProgress();
  if (state.page >= state.survey.pages.length) return finish();
  renderPage();
}

function saveProgress() {
  if (!state.resumeToken) {
    state.resumeToken = Math.random().toString(36).slice(2) + Date.now().toString(36);  // expect: JS-RAND-001
  }
  fetch(`${API_BASE}/surveys/${encodeURIComponent(surveyId)}/progress/${state.resumeToken}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ page: state.page, answers: state.answers }),
  });
}

function finish() {
  const result = { type: 'survey:completed', surveyId, resumeToken: state.resumeToken, answers: state.answers };
  window.parent.postMessage(result, '*');  // expect: JS-MSG-001
  window.parent.postMessage({ type: 'survey:height', height: 120 }, state.survey.embedOrigin);  // ok: JS-MSG-001
  const thanks = params.get('thanks');
  if (thanks) {
    window.location.href = thanks;  // expect: JS-REDIRECT-001
    return;
  }
  root.innerHTML = `<p class="done">${state.survey.thankYouHtml}</p>`;  // expect: JS-XSS-001
}

window.addEventListener('message', (event) => {  // expect: JS-MSG-001
  if (event.data && event.data.type === 'survey:prefill') {
    Object.assign(state.answers, event.data.answers);
    const note = document.getElementById('prefill-note');
    note.insertAdjacentHTML('beforeend', `<small>Pre-filled for ${event.data.respondentName}</small>`);  // expect: JS-XSS-001
  }
});

window.addEventListener('message', (event) => {  // ok: JS-MSG-001
  if (!state.survey || event.origin !== state.survey.embedOrigin) return;
  if (event.data && event.data.type === 'survey:theme') {
    document.documentElement.style.setProperty('--accent', String(event.data.accent).slice(0, 20));
  }
});

document.getElementById('next').addEventListener('click', nextPage);
document.getElementById('back-to-site').addEventListener('click', () => {
  const back = params.get('back') || '/';
  window.location.assign(back.startsWith('/') && !back.startsWith('//') ? back : '/');  // ok: JS-REDIRECT-001
});

fetch(`${API_BASE}/surveys/${encodeURIComponent(surveyId)}`)
  .then((r) => r.json())
  .then((survey) => {
    state.survey = survey;
    renderPage();
  });
