// A signed-in user's notices in every open tab, over /ws/notices/ (docs/protocol.md, "Check-ins"): the "Check-ins"
// entry in the navigation with its unread count, and a banner when the moderation team checks in privately.
// Also the help panel's "Talk to a moderator privately". Text only, never HTML.

import { sendJson } from "./api.js";
import { button, el } from "./dom.js";
import { CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, reconnectingSocket } from "./socket.js";

const navLink = document.getElementById("nav-checkins");
const unreadBadge = document.getElementById("checkins-unread");
const checkins = new Map(); // id -> the student's summary of a check-in of theirs
const onPage = location.pathname.match(/^\/checkins\/(\d+)\/$/);
const checkinOnScreen = onPage ? Number(onPage[1]) : null;
let dismissedBanner = null; // the check-in whose banner was closed in this tab

function banner() {
  let box = document.getElementById("checkin-banner");
  if (!box) {
    box = el("section", "checkin-banner card");
    box.id = "checkin-banner";
    box.setAttribute("role", "status");
    box.hidden = true;
    document.querySelector("main").prepend(box);
  }
  return box;
}

function render() {
  const open = [...checkins.values()].filter((c) => c.status === "open");
  const unread = open.reduce((total, c) => total + c.unread, 0);
  unreadBadge.textContent = unread ? String(unread) : "";
  unreadBadge.hidden = !unread;
  navLink.setAttribute("aria-label", unread ? `Check-ins, ${unread} unread` : "Check-ins");
  // The newest open check-in the team started (or with news), unless it is the one on screen.
  const shown = open
    .filter((c) => c.id !== checkinOnScreen && (!c.asked_by_you || c.unread > 0))
    .sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
  const box = banner();
  if (!shown || shown.id === dismissedBanner) { box.hidden = true; return; }
  const text = shown.asked_by_you
    ? "The moderation team answered you privately."
    : "A moderator would like to check in with you privately. Only you and the moderation team can read it.";
  const link = el("a", "", shown.unread ? `Open the check-in (${shown.unread} new)` : "Open the check-in");
  link.href = shown.url;
  box.replaceChildren(el("p", "", text), link, " ", button("Later", () => { dismissedBanner = shown.id; render(); }));
  box.dataset.checkin = String(shown.id);
  box.hidden = false;
}

function handle(frame) {
  switch (frame.type) {
    case "notices.snapshot":
      checkins.clear();
      for (const c of frame.checkins) checkins.set(c.id, c);
      break;
    case "checkin.opened":
    case "checkin.updated":
      checkins.set(frame.checkin.id, frame.checkin);
      if (frame.type === "checkin.opened") dismissedBanner = null;
      break;
    case "checkin.message":
    case "checkin.read": {
      const known = checkins.get(frame.checkin);
      if (known) known.unread = frame.unread;
      if (frame.type === "checkin.message" && dismissedBanner === frame.checkin) dismissedBanner = null;
      break;
    }
    default: return;
  }
  render();
}

if (navLink) {
  reconnectingSocket(() => "/ws/notices/", {
    onFrame: handle,
    onFinal: (code) => code === CLOSE_NOT_LOGGED_IN || code === CLOSE_FORBIDDEN,
  });
}

// "Talk to a moderator privately" (help panel): from a room, the team sees you as that room shows you.
const ask = document.getElementById("checkin-request");
ask?.addEventListener("click", async () => {
  ask.disabled = true;
  const room = document.getElementById("room")?.dataset.slug;
  const { ok, reply } = await sendJson("/api/checkins/", room ? { room } : {});
  ask.disabled = false;
  if (ok) location.href = reply.checkin.url;
  else document.getElementById("checkin-request-error").textContent = reply.detail;
});
