// Agendo calendar-sync widget (browser ES module). Customer sites embed it in an iframe; it lists the
// visitor's upcoming events from the Agendo API, lets them connect a Google/Outlook calendar and talks to
// the host page with postMessage. Attacker data: the page address (?next=, ?view=, ?highlight=), event
// titles, descriptions, locations and meeting links (anyone who sends the user an invite writes them),
// and messages from whatever page frames the widget.
import DOMPurify from "dompurify";
import { api } from "./api-client.js";

const HOST_ORIGIN = "https://app.agendo.example";
const params = new URLSearchParams(window.location.search);
const list = document.querySelector("#agenda");
const banner = document.querySelector("#banner");

function formatRange(ev) {
  const start = new Date(ev.start);
  const end = new Date(ev.end);
  return `${start.toLocaleTimeString([], { timeStyle: "short" })} - ${end.toLocaleTimeString([], { timeStyle: "short" })}`;
}

function safeLink(url) {
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "#";
  } catch {
    return "#";
  }
}

function renderEvent(ev) {
  const item = document.createElement("li");
  item.className = "agenda-item";
  item.innerHTML = `<strong>${ev.title}</strong> <span class="when">${formatRange(ev)}</span>`; // expect: JS-XSS-001
  const where = document.createElement("div");
  where.textContent = ev.location || ""; // ok: JS-XSS-001
  item.appendChild(where);

  const notes = document.createElement("div");
  notes.className = "notes";
  notes.innerHTML = DOMPurify.sanitize(ev.descriptionHtml || ""); // ok: JS-XSS-001
  item.appendChild(notes);

  const join = document.createElement("a");
  join.textContent = "Join meeting";
  join.href = safeLink(ev.meetingUrl); // ok: JS-XSS-004
  item.appendChild(join);

  const organiser = document.createElement("a");
  organiser.textContent = ev.organiser.name;
  organiser.setAttribute("href", ev.organiser.website); // expect: JS-XSS-004
  item.appendChild(organiser);
  return item;
}

async function loadAgenda() {
  const events = await api.get("/me/events?days=7");
  list.replaceChildren(...events.map(renderEvent));
  const highlight = params.get("highlight");
  if (highlight) {
    banner.insertAdjacentHTML("beforeend", `<p class="hint">Showing events about ${highlight}</p>`); // expect: JS-XSS-001
  }
}

function widgetElementId(prefix) {
  // DOM ids only need to be unique on this page
  return `${prefix}-${Math.random().toString(36).slice(2, 8)}`; // ok: JS-RAND-001
}

function startCalendarConnect(provider) {
  const state = Math.random().toString(36).slice(2) + Date.now().toString(36); // expect: JS-RAND-001
  sessionStorage.setItem("oauth_state", state);
  const popupId = widgetElementId("connect");
  window.open(`/connect/${encodeURIComponent(provider)}?state=${state}`, popupId, "width=520,height=640");
}

function announceSize() {
  window.parent.postMessage({ type: "agendo:resize", height: document.body.scrollHeight }, HOST_ORIGIN); // ok: JS-MSG-001
}

function shareSession(token) {
  // the host page needs the token to call our API directly
  window.parent.postMessage({ type: "agendo:session", token }, "*"); // expect: JS-MSG-001
}

window.addEventListener("message", (event) => {
  if (event.origin !== HOST_ORIGIN) return; // ok: JS-MSG-001
  if (event.data && event.data.type === "agendo:refresh") loadAgenda();
});

window.addEventListener("message", (event) => { // expect: JS-MSG-001
  if (!event.data || event.data.type !== "agendo:theme") return;
  document.documentElement.dataset.theme = event.data.theme === "dark" ? "dark" : "light";
  if (event.data.onApplied) setTimeout(event.data.onApplied, 0); // expect: JS-EVAL-001
});

function finishConnect() {
  const next = params.get("next");
  if (next) {
    window.location.href = next; // expect: JS-REDIRECT-001
    return;
  }
  const view = params.get("view") === "week" ? "/widget/week" : "/widget/agenda";
  window.location.assign(view); // ok: JS-REDIRECT-001
}

async function boot() {
  const session = await api.get("/session");
  shareSession(session.token);
  await loadAgenda();
  announceSize();
  if (params.has("connected")) finishConnect();
  document.querySelector("#connect-google").addEventListener("click", () => startCalendarConnect("google"));
  document.querySelector("#connect-outlook").addEventListener("click", () => startCalendarConnect("outlook"));
}

boot().catch((err) => {
  console.error("widget failed", err);
  banner.textContent = "Could not load your agenda."; // ok: JS-XSS-001
});
