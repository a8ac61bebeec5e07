// Dashboard widgets for the analytics front end (plain ES modules, bundled with Vite).
import DOMPurify from "dompurify";
import { marked } from "marked";

const API_BASE = "/api/v1";
const TRUSTED_RETURN_HOSTS = new Set(["app.example.com", "reports.example.com"]);

async function getJson(path) {
  const res = await fetch(`${API_BASE}${path}`, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`request failed: ${res.status}`);
  return res.json();
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text; // ok: JS-XSS-001
  return node;
}

export async function renderActivityFeed(container) {
  const events = await getJson("/activity?limit=20");
  const rows = events
    .map((e) => `<li class="event"><strong>${e.actorName}</strong> ${e.summary}</li>`)
    .join("");
  container.innerHTML = `<ul class="feed">${rows}</ul>`; // expect: JS-XSS-001
}

export async function renderAnnouncements(container) {
  const items = await getJson("/announcements");
  const list = el("ul", "announcements");
  for (const item of items) {
    const li = el("li", "announcement");
    li.append(el("h4", null, item.title));
    const body = el("div", "body");
    body.innerHTML = DOMPurify.sanitize(marked.parse(item.markdown)); // ok: JS-XSS-001
    li.append(body);
    list.append(li);
  }
  container.replaceChildren(list);
}

export async function renderNotes(container, widgetId) {
  const notes = await getJson(`/widgets/${encodeURIComponent(widgetId)}/notes`);
  for (const note of notes) {
    container.insertAdjacentHTML("beforeend", `<div class="note">${marked.parse(note.text)}</div>`); // expect: JS-XSS-001
  }
}

export function showSearchTerm(banner) {
  const params = new URLSearchParams(window.location.search);
  const term = params.get("q") || "";
  banner.innerHTML = "Showing results for <em>" + term + "</em>"; // expect: JS-XSS-001
}

// Custom KPI widgets store a formula such as "revenue / orders" in their settings.
export function compileFormula(formula) {
  return new Function("m", `with (m) { return (${formula}); }`); // expect: JS-EVAL-001
}

export function scheduleRefresh(widget) {
  const interval = Math.max(15, Number(widget.settings.refreshSeconds) || 60);
  return setInterval(() => widget.refresh(), interval * 1000); // ok: JS-EVAL-001
}

export function runWidgetHook(widget) {
  if (widget.settings.onLoad) {
    setTimeout(widget.settings.onLoad, 0); // expect: JS-EVAL-001
  }
}

export function parseSavedLayout(raw) {
  try {
    return JSON.parse(raw); // ok: JS-EVAL-001
  } catch {
    return { widgets: [] };
  }
}

export function applyTheme(theme) {
  const root = document.documentElement;
  root.style.setProperty("--accent", /^#[0-9a-f]{6}$/i.test(theme.accent) ? theme.accent : "#3b82f6");
  document.title = `${theme.workspaceName} · Analytics`;
}

export function finishLogin() {
  const params = new URLSearchParams(window.location.search);
  const returnTo = params.get("returnTo") || "/dashboard";
  window.location.href = returnTo; // expect: JS-REDIRECT-001
}

export function backToReport() {
  const params = new URLSearchParams(window.location.search);
  let target = "/reports";
  try {
    const url = new URL(params.get("from") || "/reports", window.location.origin);
    if (url.origin === window.location.origin || TRUSTED_RETURN_HOSTS.has(url.hostname)) {
      target = url.href;
    }
  } catch {
    target = "/reports";
  }
  window.location.assign(target); // ok: JS-REDIRECT-001
}

export function exportCsv(rows, filename) {
  const csv = rows.map((r) => r.map((v) => `"${String(v).replace(/"/g, '""')}"`).join(",")).join("\n");
  const link = el("a");
  link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
  link.download = filename.replace(/[^\w.-]/g, "_");
  link.click();
}

export function shareToken() {
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // ok: JS-RAND-001
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function chartColour(index) {
  return `hsl(${Math.floor(Math.random() * 360)}, 70%, ${45 + (index % 3) * 10}%)`; // ok: JS-RAND-001
}
