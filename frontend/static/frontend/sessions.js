// Upcoming sessions of this room with sign-up buttons (GET /api/rooms/<slug>/sessions/, POST/DELETE rsvp).
// Folded to one line ("Next session: Tue 3 Dec, 7:00 PM · 3 more"), so the list never pushes the
// conversation away; fetched again when the room says its sessions changed (room.js: sessions.changed).
import { sendJson } from "./api.js";
import { nameWithBadge } from "./badge.js";
import { button, el } from "./dom.js";

const slug = document.getElementById("room").dataset.slug;
const box = document.getElementById("sessions");
const list = document.getElementById("session-list");
const summary = document.getElementById("sessions-summary");

function shortWhen(iso) {
  return new Date(iso).toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
}

// Text and elements to append: each host's name, and a mentor's role as a separate badge.
function describe(session) {
  const when = new Date(session.starts_at).toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  const you = session.you === "going" ? " · you're going" : session.you === "waitlisted" ? " · you're on the waitlist" : "";
  const nodes = [`${session.title}: ${when} with `];
  session.facilitators.forEach((host, index) => {
    if (index) nodes.push(", ");
    nodes.push(...nameWithBadge(host.name, host.role === "mentor" ? "mentor" : null));
  });
  nodes.push(` · ${session.seats_left} seat${session.seats_left === 1 ? "" : "s"} left${you}`);
  return nodes;
}

async function rsvp(session, method) {
  await sendJson(`/api/sessions/${session.id}/rsvp/`, undefined, method);
  load();
}

async function load() {
  const response = await fetch(`/api/rooms/${encodeURIComponent(slug)}/sessions/`, { credentials: "same-origin" });
  if (!response.ok) return;
  const { sessions } = await response.json();
  list.replaceChildren();
  for (const session of sessions) {
    const item = document.createElement("li");
    item.dataset.session = String(session.id);
    const text = el("span");
    text.append(...describe(session), " ");
    const label = session.you ? "Cancel" : session.seats_left ? "Sign up" : "Join the waitlist";
    const action = button(label, () => rsvp(session, session.you ? "DELETE" : "POST"), session.you ? "secondary" : "");
    // Every row has such a button: its accessible name says which session it is for.
    const which = `${session.title}, ${shortWhen(session.starts_at)}`;
    action.setAttribute("aria-label", session.you ? `Cancel your place at ${which}` : `${label} for ${which}`);
    item.append(text, action);
    list.append(item);
  }
  box.hidden = sessions.length === 0;
  if (sessions.length) {
    const more = sessions.length - 1;
    summary.textContent = `Next session: ${shortWhen(sessions[0].starts_at)}${more ? ` · ${more} more` : ""}`;
  }
}
document.addEventListener("medpeer:sessions-changed", load);
load();
