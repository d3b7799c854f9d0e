// The moderator dashboard's side of private check-ins: the "Check-ins" list (students who asked, check-ins opened
// from escalations and flags, urgent first) and the "Open check-in" button on escalations and flags.
// moderation.js hands every frame of /ws/moderation/ over as a "moderation:frame" event; the list is read over HTTP
// (GET /api/checkins/queue/) at start and after every reconnect (each queue.snapshot). Text only, never HTML.

import { sendJson } from "./api.js";
import { button, el } from "./dom.js";

const list = document.getElementById("checkins");
const empty = document.getElementById("no-checkins");
const checkins = new Map(); // id -> check-in payload

const KIND_WORDS = { checkin_request: "Asked to talk", escalation: "From an escalation", flag: "From a flag" };

function render() {
  if (!list) return;
  list.replaceChildren();
  const open = [...checkins.values()].filter((c) => c.status === "open");
  open.sort((a, b) => Number(b.urgent) - Number(a.urgent) || b.crisis_level - a.crisis_level || a.created_at.localeCompare(b.created_at));
  for (const c of open) {
    const li = el("li", "queue-item checkin-item" + (c.urgent ? " urgent" : ""));
    li.dataset.checkin = String(c.id);
    const head = el("div", "head");
    head.append(el("strong", "", KIND_WORDS[c.kind] || c.kind), ` · ${c.student.name}`);
    if (c.room) head.append(` · ${c.room.title}`);
    if (c.urgent) head.append(" · ", el("strong", "", `urgent (level ${c.crisis_level})`));
    if (c.awaiting) head.append(` · waiting for the ${c.awaiting}`);
    if (c.reminder === "no_reply") head.append(" · ", el("strong", "", "no reply yet"));
    if (c.reminder === "urgent_unanswered") head.append(" · ", el("strong", "", "nobody has answered"));
    const link = el("a", "", "Open");
    link.href = c.url;
    li.append(head, link);
    list.append(li);
  }
  if (empty) empty.hidden = open.length > 0;
}

async function load() {
  const response = await fetch("/api/checkins/queue/", { credentials: "same-origin" });
  if (!response.ok) return;
  checkins.clear();
  for (const c of (await response.json()).checkins) checkins.set(c.id, c);
  render();
}

document.addEventListener("moderation:frame", (event) => {
  const frame = event.detail;
  if (frame.type === "queue.snapshot") { load(); return; }
  if (frame.type === "checkin.new" || frame.type === "checkin.updated" || frame.type === "checkin.reminder") {
    const before = checkins.get(frame.checkin.id);
    const reminder = frame.type === "checkin.reminder" ? frame.reason : null;
    checkins.set(frame.checkin.id, { ...frame.checkin, reminder });
    // A crisis written in a check-in, or one nobody has answered yet: as loud as a new level-3 escalation's title.
    if ((frame.checkin.urgent && !before?.urgent) || reminder === "urgent_unanswered") {
      document.title = "⚠ Urgent check-in · Moderation";
    }
    render();
  }
});

// "Open check-in" on an escalation or a flag (`key`: "escalation" or "flag"): opens it (or finds the one already
// open) and goes to its page.
export function openCheckInButton(item, key) {
  return button("Open check-in", async () => {
    const { ok, reply } = await sendJson("/api/moderation/actions/", { type: "checkin.open", [key]: item.id });
    if (ok) location.href = reply.url;
    else {
      const errorBox = document.getElementById("mod-error");
      errorBox.textContent = reply.detail;
      errorBox.hidden = false;
    }
  });
}
