// Upcoming sessions of this room with sign-up buttons (GET /api/rooms/<slug>/sessions/, POST/DELETE rsvp).
import { sendJson } from "./api.js";
import { nameWithBadge } from "./badge.js";
import { button, el } from "./dom.js";

const slug = document.getElementById("room").dataset.slug;
const box = document.getElementById("sessions");
const list = document.getElementById("session-list");


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
    item.append(text, button(label, () => rsvp(session, session.you ? "DELETE" : "POST")));
    list.append(item);
  }
  box.hidden = sessions.length === 0;
}
load();
