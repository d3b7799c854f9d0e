// Why the room's composer is closed, said plainly beside it: a mute (its reason and end, in the reader's own time
// zone), a ban (its reason and how to appeal), or a sharing circle (someone else has the turn).
const form = document.getElementById("composer");
const input = document.getElementById("body");
const sendButton = form.querySelector("button[type=submit]");
const closedBy = new Map(); // "banned" | "muted" | "circle" -> what the member is told
const PLACEHOLDER = "Write a message…";
let note = null;
let unmuteTimer = null;

function noteElement() {
  if (note) return note;
  note = document.createElement("p");
  note.id = "composer-note";
  note.className = "notice";
  note.setAttribute("role", "status");
  note.hidden = true;
  form.before(note);
  return note;
}

function render() {
  const closed = closedBy.size > 0;
  input.disabled = sendButton.disabled = closed;
  // A mute or ban outranks the circle: it is the reason that lasts.
  const sanction = closedBy.get("banned") || closedBy.get("muted");
  const box = noteElement();
  box.hidden = !sanction;
  box.replaceChildren(...(sanction ? [].concat(sanction) : []));
  if (sanction) input.setAttribute("aria-describedby", "composer-note");
  else input.removeAttribute("aria-describedby");
  input.placeholder = sanction ? "You cannot post here right now" : closedBy.get("circle") || PLACEHOLDER;
}

// Close the composer for ``kind`` with the text (a string, or nodes) the member reads; null opens it again.
export function restrictComposer(kind, text) {
  if (text) closedBy.set(kind, text);
  else closedBy.delete(kind);
  render();
}

// "until 4:30 PM PST" today, "until Tue, Dec 1, 9:00 AM PST" on another day: the reader's own zone, named.
export function localEnd(date) {
  const sameDay = date.toDateString() === new Date().toDateString();
  const day = sameDay ? {} : { weekday: "short", month: "short", day: "numeric" };
  return date.toLocaleString([], { ...day, hour: "numeric", minute: "2-digit", timeZoneName: "short" });
}

// A mute from room.joined (``you.muted_until``, ``you.mute_reason``) or a live ``muted`` frame; it lifts itself.
export function showMute(until, reason) {
  clearTimeout(unmuteTimer);
  const end = until ? new Date(until) : null;
  if (!end || end.getTime() <= Date.now()) { restrictComposer("muted", null); return; }
  const text = `A moderator muted you in this room until ${localEnd(end)}.` + (reason ? ` Reason: ${reason}` : "") +
    " You can still read the room.";
  restrictComposer("muted", text);
  unmuteTimer = setTimeout(() => restrictComposer("muted", null), Math.min(end.getTime() - Date.now() + 500, 2 ** 31 - 1));
}

// A ``banned`` frame (or a refused join, reason unknown): why, and where to appeal (a link when it is one).
export function showBan(reason, appeal) {
  const nodes = [`You are banned from this room.${reason ? ` Reason: ${reason}.` : ""} To appeal, `];
  if (!appeal) nodes.push("ask your school's MedPeer administrators");
  else if (/^https:\/\//.test(appeal)) nodes.push("go to ", link(appeal, appeal));
  else if (/^[^\s@:]+@[^\s@:]+$/.test(appeal)) nodes.push("write to ", link(`mailto:${appeal}`, appeal));
  else nodes.push(`contact ${appeal}`);
  nodes.push(".");
  restrictComposer("banned", nodes);
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}
