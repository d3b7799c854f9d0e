// One private check-in, for the student or for staff: /ws/checkins/<id>/ (docs/protocol.md, "Check-ins").
// Text only, never HTML. Messages are kept by seq, so a reconnect (with after_seq) shows each missed one once, in
// order; unacknowledged messages are kept in this tab's sessionStorage and resent with their client_id.

import { sendJson } from "./api.js";
import { nameWithBadge } from "./badge.js";
import { el } from "./dom.js";
import { CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, CLOSE_NO_SUCH_ROOM, reconnectingSocket, reconnectingText } from "./socket.js";

const root = document.getElementById("checkin");
const checkinId = Number(root.dataset.id);
const isStudent = root.dataset.side === "student";
const outboxKey = root.dataset.outbox;
const list = document.getElementById("messages");
const form = document.getElementById("composer");
const input = document.getElementById("body");
const stateLabel = document.getElementById("conn-state");
const errorBox = document.getElementById("error");
const okButton = document.getElementById("im-ok");

const bySeq = new Map(); // seq -> <li>
const pending = new Map(); // client_id -> {body, kind, li, status}: sent, not yet acknowledged
const ackedBubbles = new Map(); // seq -> pending <li> whose ack named that seq, until the message itself arrives
let lastSeq = null;
let socket = null;

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

function renderMessage(message) {
  const li = el("li", "message" + (message.author.student ? " from-student" : " from-staff"));
  li.dataset.seq = String(message.seq);
  const head = el("div", "head");
  const when = el("time", "", new Date(message.sent_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  when.dateTime = message.sent_at;
  const mine = isStudent === message.author.student;
  const name = isStudent && message.author.student ? "You" : message.author.name;
  head.append(...nameWithBadge(name, message.author.role, "author" + (mine ? " you" : "")), " ", when);
  li.append(head, message.deleted ? el("p", "body meta", "message deleted (past the retention period)") : el("p", "body", message.body));
  return li;
}

function insertMessage(message) {
  if (bySeq.has(message.seq)) return;
  const li = renderMessage(message);
  bySeq.set(message.seq, li);
  let before = null;
  for (const other of list.children) {
    if (!other.dataset.seq || Number(other.dataset.seq) > message.seq) { before = other; break; }
  }
  list.insertBefore(li, before);
  const acked = ackedBubbles.get(message.seq);
  if (acked) { acked.remove(); ackedBubbles.delete(message.seq); }
  if (message.client_id && pending.has(message.client_id)) {
    pending.get(message.client_id).li.remove();
    settle(message.client_id);
  }
  if (lastSeq === null || message.seq > lastSeq) lastSeq = message.seq;
}

// The student has seen everything on screen: their unread count (the navigation, every tab) goes down.
function markRead() {
  if (isStudent && lastSeq !== null && document.visibilityState === "visible") send({ type: "checkin.read", seq: lastSeq });
}
document.addEventListener("visibilitychange", markRead);

function saveOutbox() {
  try {
    const unsent = [...pending].map(([clientId, entry]) => [clientId, entry.kind, entry.body]);
    if (unsent.length) sessionStorage.setItem(outboxKey, JSON.stringify(unsent));
    else sessionStorage.removeItem(outboxKey);
  } catch { /* storage disabled: the in-page copy still resends on reconnect */ }
}

function settle(clientId) {
  pending.delete(clientId);
  saveOutbox();
}

function addPending(clientId, kind, body) {
  const li = el("li", "message pending");
  const status = el("span", "status", "sending…");
  const head = el("div", "head");
  head.append(status);
  li.append(head, el("p", "body", body));
  list.append(li);
  pending.set(clientId, { body, kind, li, status });
  saveOutbox();
}

function restoreOutbox() {
  let unsent = [];
  try { unsent = JSON.parse(sessionStorage.getItem(outboxKey) || "[]"); } catch { unsent = []; }
  if (!Array.isArray(unsent)) return;
  for (const item of unsent) {
    if (Array.isArray(item) && typeof item[0] === "string" && typeof item[2] === "string") addPending(item[0], item[1], item[2]);
  }
}

function sendPending(clientId, entry) {
  if (entry.kind === "ok") send({ type: "checkin.ok", client_id: clientId });
  else send({ type: "message.send", client_id: clientId, body: entry.body });
}

function onAck(ack) {
  const entry = pending.get(ack.client_id);
  if (!entry) return;
  if (ack.status === "blocked") {
    entry.li.classList.add("blocked");
    entry.status.textContent = "not sent: " + (ack.reason || "blocked");
    settle(ack.client_id);
    return;
  }
  settle(ack.client_id); // durable now: never resend it
  if (bySeq.has(ack.seq)) { entry.li.remove(); return; }
  entry.status.textContent = "delivered"; // the message frame with this seq replaces the bubble
  ackedBubbles.set(ack.seq, entry.li);
}

function showResolved() {
  document.getElementById("checkin-resolved").hidden = false;
  input.disabled = true;
  form.querySelector("button[type=submit]").disabled = true;
  if (okButton) okButton.disabled = true;
  const resolveButton = document.getElementById("resolve-open");
  if (resolveButton) resolveButton.disabled = true;
}

function showStaff(staff) {
  document.getElementById("checkin-staff").textContent = staff.length ? staff.map((s) => `${s.name} (${s.role})`).join(", ") : "–";
}

function showSupport(frame) {
  document.getElementById("support-card")?.remove();
  const card = el("section", "support-card");
  card.id = "support-card";
  card.setAttribute("role", "alertdialog");
  card.setAttribute("aria-labelledby", "support-title"); // screen readers announce a dialog by its name
  const title = el("h2", "", "You're not alone");
  title.id = "support-title";
  card.append(title, el("p", "", frame.message));
  const resources = el("ul");
  for (const resource of frame.resources) {
    const item = el("li");
    item.append(el("strong", "", resource.name), ": " + resource.contact);
    resources.append(item);
  }
  const close = el("button", "", "Close");
  close.type = "button";
  close.addEventListener("click", () => card.remove());
  card.append(resources, close);
  root.prepend(card);
}

function handle(frame) {
  switch (frame.type) {
    case "checkin.joined": {
      showStaff(frame.checkin.staff);
      for (const message of frame.history) insertMessage(message);
      if (frame.has_more) send({ type: "history.fetch", after_seq: lastSeq ?? 0, limit: 100 });
      if (frame.checkin.status === "resolved") showResolved();
      for (const [clientId, entry] of pending) sendPending(clientId, entry);
      markRead();
      break;
    }
    case "message": insertMessage(frame); markRead(); break;
    case "history": {
      for (const message of frame.messages) insertMessage(message);
      if (frame.has_more) send({ type: "history.fetch", after_seq: lastSeq, limit: 100 });
      markRead();
      break;
    }
    case "message.ack": onAck(frame); break;
    case "checkin.staff": showStaff(frame.staff); break;
    case "checkin.resolved": showResolved(); break;
    case "support": showSupport(frame); break;
    case "error": {
      showError(frame.detail);
      const entry = frame.client_id && pending.get(frame.client_id);
      if (entry && frame.code !== "server_error" && frame.code !== "rate_limited") {
        entry.status.textContent = "not sent: " + frame.detail;
        entry.li.classList.add("blocked");
        settle(frame.client_id);
      }
      break;
    }
  }
}

function send(frame) {
  socket?.send(frame);
}

function connect() {
  socket = reconnectingSocket(() => `/ws/checkins/${checkinId}/` + (lastSeq !== null ? `?after_seq=${lastSeq}` : ""), {
    onConnecting: () => { stateLabel.textContent = "connecting…"; },
    onOpen: () => { stateLabel.textContent = "connected"; showError(""); },
    onFrame: handle,
    onFinal: (code) => {
      if (code === CLOSE_NOT_LOGGED_IN) { location.href = "/accounts/login/?next=" + encodeURIComponent(location.pathname); return true; }
      if (code === CLOSE_FORBIDDEN || code === CLOSE_NO_SUCH_ROOM) { stateLabel.textContent = "this check-in is not open to you"; return true; }
      return false;
    },
    onReconnecting: (code) => { stateLabel.textContent = reconnectingText(code); },
  });
}

function submit(kind, body) {
  const clientId = crypto.randomUUID();
  addPending(clientId, kind, body);
  sendPending(clientId, pending.get(clientId));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = input.value;
  if (!body.trim()) return;
  submit("text", body);
  input.value = "";
  input.focus();
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
});
okButton?.addEventListener("click", () => submit("ok", "I'm OK, thanks."));

// Staff tools: resolve with a note (a dialog, not a prompt), invite a mentor of the room. Over HTTP: the same
// moderator actions as the dashboard's socket.
async function action(frame) {
  const { ok, reply } = await sendJson("/api/moderation/actions/", frame);
  if (!ok) showError(reply.detail);
  return ok;
}
const resolveDialog = document.getElementById("resolve-dialog");
if (resolveDialog) {
  const note = document.getElementById("resolve-note");
  document.getElementById("resolve-open").addEventListener("click", () => { note.value = ""; resolveDialog.showModal(); });
  document.getElementById("resolve-cancel").addEventListener("click", () => resolveDialog.close());
  document.getElementById("resolve-form").addEventListener("submit", (event) => {
    if (!note.value.trim()) { event.preventDefault(); return; }
    action({ type: "checkin.resolve", id: checkinId, note: note.value.trim() });
  });
}
document.getElementById("invite-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const mentor = document.getElementById("invite-mentor");
  if (await action({ type: "checkin.invite", checkin: checkinId, mentor: mentor.value.trim() })) mentor.value = "";
});

restoreOutbox();
connect();
