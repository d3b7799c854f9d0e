// Room client: speaks protocol v1 (docs/protocol.md).
// Every message is rendered with textContent: nothing anyone sends is ever parsed as HTML.
// Messages are kept by seq, so a reconnect (with after_seq) shows each missed message once, in order.

import { sendJson } from "./api.js";
import { nameWithBadge } from "./badge.js";
import { restrictComposer, showBan, showMute } from "./composer_state.js";
import { button } from "./dom.js";
import { createMessageActions } from "./message_actions.js";
import { createNotifications } from "./notifications.js";
import { CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, CLOSE_NO_SUCH_ROOM, reconnectingSocket, reconnectingText } from "./socket.js";
import { resourceList, showWorriedCard } from "./support_card.js";
import { createTimeline } from "./timeline.js";

const root = document.getElementById("room");
const slug = root.dataset.slug;
const list = document.getElementById("messages");
const form = document.getElementById("composer");
const input = document.getElementById("body");
const stateLabel = document.getElementById("conn-state");
const onlineLabel = document.getElementById("online");
const myName = document.getElementById("my-name");
const identityToggle = document.getElementById("identity-toggle");
const loadOlder = document.getElementById("load-older");
const errorBox = document.getElementById("error");
const timeline = createTimeline({
  scroller: document.getElementById("messages-scroller"),
  list,
  jumpButton: document.getElementById("jump-latest"),
});

const bySeq = new Map(); // seq -> <li>
const pending = new Map(); // client_id -> {body, li, status}: sent, not yet acknowledged
// Unacknowledged messages are also kept in this tab's sessionStorage, so a reload or a crash of the page
// on a bad connection loses nothing: they come back as pending and go again with the same client_id
// (the server makes a resend idempotent). sessionStorage, not localStorage: on a shared computer the
// words are gone once the tab is closed.
const outboxKey = root.dataset.outbox;
const ackedBubbles = new Map(); // seq -> pending <li> whose ack named that seq, until the message itself arrives
// Our own messages: the server names them only to us (client_id in history, the seq in our ack; live frames
// to the room carry neither), so nobody else can tell which messages are ours.
const ownSeqs = new Set();
let lastSeq = null; // highest seq we have shown
let socket = null; // the reconnecting socket (socket.js), from connect()
let you = null;
let roomInfo = null;
let joinedWithAfterSeq = false;
// Reactions, replies, edits and deletions (message_actions.js); unread counts, notifications and mentions
// (notifications.js). Both are driven from the hooks below.
const actions = createMessageActions({ send, form, input, showError, liFor: (seq) => bySeq.get(seq) });
// Another tab of ours sent it, or history said "mine": label it "you" where it is shown.
actions.onOwnSeq((seq) => { ownSeqs.add(seq); const li = bySeq.get(seq); if (li) markAsMine(li); });
const notifications = createNotifications({ send, root, input, actions, roomTitle: document.title, lastShownSeq: () => lastSeq });

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

// The author's name (text only) and, for staff, their role as a separate badge element.
function authorNodes(author) {
  return nameWithBadge(author.name, author.role, "author" + (author.anonymous ? " anonymous" : ""));
}

// Mark a message as the reader's own: a "you" label, its own side, and no Report button.
function markAsMine(li) {
  if (li.classList.contains("mine")) return;
  li.classList.add("mine");
  li.querySelector(".report-button")?.remove();
  const label = document.createElement("span");
  label.className = "you-label";
  label.textContent = "you";
  li.querySelector(".head").prepend(label, " ");
}

function renderMessage(message) {
  const li = document.createElement("li");
  li.className = "message";
  li.dataset.seq = String(message.seq);
  li.dataset.sentAt = message.sent_at;
  const head = document.createElement("div");
  head.className = "head";
  const when = document.createElement("time");
  when.dateTime = message.sent_at;
  when.textContent = new Date(message.sent_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  head.append(...authorNodes(message.author), " ", when);
  // Repeated buttons say which message they act on, for screen readers.
  const about = `message from ${message.author.name} at ${when.textContent}`;
  if (message.state === "held") {
    const held = document.createElement("span");
    held.className = "status";
    held.textContent = " · shared with a moderator";
    head.append(held);
  }
  const report = button("Report", () => {
    const reason = window.prompt("Why are you reporting this message?");
    if (reason && reason.trim()) send({ type: "message.report", seq: message.seq, reason: reason.trim() });
  }, "report report-button");
  report.setAttribute("aria-label", `Report ${about}`);
  head.append(" ", report);
  if (isRoomStaff) { // the room's staff: pin this message above the conversation
    const pin = button("Pin", () => roomTool({ type: "message.pin", seq: message.seq }), "report");
    pin.setAttribute("aria-label", `Pin ${about}`);
    head.append(" ", pin);
  }
  const body = document.createElement("p");
  body.className = "body";
  body.textContent = message.body;
  li.append(head, body);
  actions.decorate(li, message); // may learn from message.mine that it is ours
  if (message.client_id || ownSeqs.has(message.seq) || actions.isMine(message.seq)) markAsMine(li);
  return li;
}

// A message we may already show, changed (edited, deleted, reactions, approved): replace it in place.
function upsertMessage(message) {
  const old = bySeq.get(message.seq);
  if (!old) { insertNewer([message]); return; }
  const li = renderMessage(message);
  old.replaceWith(li);
  bySeq.set(message.seq, li);
  if (message.deleted && message.seq === pinnedSeq) showPinnedMessage(null);
}

// Show a message in seq order; return its new <li>, or null if it was already shown.
function insertMessage(message) {
  if (bySeq.has(message.seq)) return null; // a duplicate after reconnect or a race: already shown
  const li = renderMessage(message);
  bySeq.set(message.seq, li);
  // Keep seq order even when frames arrive out of order (several server processes).
  let before = null;
  for (const other of list.children) {
    if (!other.classList.contains("message")) continue; // day separators and the unread divider
    const seq = Number(other.dataset.seq);
    if (other.dataset.seq && seq > message.seq) { before = other; break; }
    if (!other.dataset.seq) { before = other; break; } // pending messages stay at the bottom
  }
  list.insertBefore(li, before);
  // Our own message: the ack may have come first (live frames carry no client_id), or the frame may
  // come from history (which carries our client_id). Either way the placeholder bubble goes.
  const acked = ackedBubbles.get(message.seq);
  if (acked) { acked.remove(); ackedBubbles.delete(message.seq); }
  if (message.client_id && pending.has(message.client_id)) {
    pending.get(message.client_id).li.remove();
    settle(message.client_id);
  }
  if (lastSeq === null || message.seq > lastSeq) lastSeq = message.seq;
  notifications.arrived(message);
  return li;
}

// Insert messages newer than what we had (live, or caught up after a reconnect) and tell the timeline.
function insertNewer(messages) {
  const added = messages.map(insertMessage).filter(Boolean);
  timeline.arrived(added);
}

// First visit to a room that lets students choose: ask how they want to appear before they write.
function offerIdentityChoice() {
  const choice = document.getElementById("identity-choice");
  if (root.dataset.firstVisit !== "true" || roomInfo.anonymity !== "allowed" || you.role !== "student") return;
  root.dataset.firstVisit = "false";
  const asAlias = document.getElementById("choose-alias");
  asAlias.textContent = `Post as ${you.alias}`;
  const done = () => { choice.hidden = true; input.focus({ preventScroll: true }); };
  asAlias.onclick = () => { send({ type: "identity.set", anonymous: true }); done(); };
  document.getElementById("choose-name").onclick = () => { send({ type: "identity.set", anonymous: false }); done(); };
  choice.hidden = false;
  asAlias.focus();
}

// Sharing circle: who has the turn, who waits; the composer says why it is closed.
const isRoomStaff = root.dataset.roomStaff === "true";
function showCircle(circle) {
  const box = document.getElementById("circle");
  const start = document.getElementById("circle-start");
  if (start) start.hidden = circle.active;
  box.hidden = !circle.active;
  const me = you ? you.name : null;
  const mySpeaking = circle.speaker && circle.speaker === me;
  document.getElementById("circle-speaker").textContent = circle.speaker ? `${circle.speaker} has the turn` : "nobody has the turn";
  document.getElementById("circle-hands").textContent = circle.hands.length ? circle.hands.join(", ") : "nobody";
  const handUp = circle.hands.includes(me);
  document.getElementById("hand-raise").hidden = handUp || mySpeaking || isRoomStaff;
  document.getElementById("hand-lower").hidden = !handUp;
  document.getElementById("turn-pass").hidden = !mySpeaking;
  const blocked = circle.active && circle.speaker && !mySpeaking && !isRoomStaff;
  restrictComposer("circle", blocked ? `${circle.speaker} has the turn: raise your hand to speak next` : null);
  const staff = document.getElementById("circle-staff-actions");
  staff.hidden = !isRoomStaff;
  if (isRoomStaff) {
    staff.replaceChildren();
    for (const alias of circle.hands) {
      staff.append(button(`Give the turn to ${alias}`, () => send({ type: "turn.give", alias })));
    }
    staff.append(button("End the circle", () => send({ type: "circle.stop" })));
  }
}
document.getElementById("circle-start")?.addEventListener("click", () => send({ type: "circle.start" }));
document.getElementById("hand-raise").addEventListener("click", () => send({ type: "hand.raise" }));
document.getElementById("hand-lower").addEventListener("click", () => send({ type: "hand.lower" }));
document.getElementById("turn-pass").addEventListener("click", () => send({ type: "turn.pass" }));

function showPinned(text) {
  const pinned = document.getElementById("pinned");
  pinned.textContent = text ? "📌 " + text : "";
  pinned.hidden = !text;
}

// A message pinned by the room's staff (null: none). It goes when moderation takes the message down.
let pinnedSeq = null;
function showPinnedMessage(message) {
  const box = document.getElementById("pinned-message");
  pinnedSeq = message ? message.seq : null;
  box.hidden = !message;
  if (!message) { box.replaceChildren(); return; }
  const label = document.createElement("strong");
  label.append("📌 ", ...authorNodes(message.author), ": ");
  const text = document.createElement("span");
  text.textContent = message.body;
  box.replaceChildren(label, text);
  if (isRoomStaff) {
    box.append(" ", button("Unpin", () => roomTool({ type: "message.pin", seq: 0 }), "report"));
  }
}

// Room tools for the room's staff (the same HTTP API as "My rooms"); a refusal shows as an error.
async function roomTool(body) {
  const { ok, reply } = await sendJson(`/api/rooms/${encodeURIComponent(slug)}/tools/`, body);
  if (!ok) showError(reply.detail);
}

function removeMessage(seq) {
  const li = bySeq.get(seq);
  if (li) { li.remove(); bySeq.delete(seq); timeline.refreshDays(); }
  actions.forget(seq);
  if (seq === pinnedSeq) showPinnedMessage(null);
}

function saveOutbox() {
  try {
    const unsent = [...pending].map(([clientId, entry]) => [clientId, entry.body, entry.replyTo]);
    if (unsent.length) sessionStorage.setItem(outboxKey, JSON.stringify(unsent));
    else sessionStorage.removeItem(outboxKey);
  } catch { /* storage full or disabled: the in-page copy still resends on reconnect */ }
}

function restoreOutbox() {
  let unsent = [];
  try { unsent = JSON.parse(sessionStorage.getItem(outboxKey) || "[]"); } catch { unsent = []; }
  if (!Array.isArray(unsent)) return;
  for (const item of unsent) {
    if (Array.isArray(item) && typeof item[0] === "string" && typeof item[1] === "string") {
      addPending(item[0], item[1], Number.isInteger(item[2]) ? item[2] : null);
    }
  }
}

// The server has answered for this message (stored, held, refused): it must never be sent again.
function settle(clientId) {
  pending.delete(clientId);
  saveOutbox();
}

function addPending(clientId, body, replyTo = null) {
  const li = document.createElement("li");
  li.className = "message pending";
  const head = document.createElement("div");
  head.className = "head";
  const status = document.createElement("span");
  status.className = "status";
  status.textContent = "sending…";
  head.append(status);
  const text = document.createElement("p");
  text.className = "body";
  text.textContent = body;
  li.append(head, text);
  list.append(li);
  pending.set(clientId, { body, li, status, replyTo });
  saveOutbox();
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
  actions.markMine(ack.seq);
  if (ack.status === "held") {
    entry.li.classList.add("held");
    entry.status.textContent = "shared with a moderator";
    entry.li.dataset.seq = String(ack.seq);
    settle(ack.client_id);
    return;
  }
  settle(ack.client_id); // durable now: never resend it
  ownSeqs.add(ack.seq);
  if (bySeq.has(ack.seq)) { // the broadcast arrived first
    markAsMine(bySeq.get(ack.seq));
    entry.li.remove();
  } else { // keep the bubble until the message frame with this seq replaces it
    entry.status.textContent = "delivered";
    ackedBubbles.set(ack.seq, entry.li);
  }
}

function setIdentity(me) {
  you = { ...you, ...me };
  myName.textContent = you.name + (you.anonymous ? " (anonymous alias)" : " (your name)");
  const canSwitch = roomInfo && roomInfo.anonymity === "allowed" && you.role === "student";
  identityToggle.hidden = !canSwitch;
  identityToggle.textContent = you.anonymous ? "Post under my name" : "Post as " + you.alias;
}

function handle(frame) {
  switch (frame.type) {
    case "room.joined": {
      roomInfo = frame.room;
      you = frame.you;
      setIdentity(frame.you);
      actions.joined(frame);
      showMute(frame.you.muted_until, frame.you.mute_reason);
      showPinned(frame.room.pinned);
      showPinnedMessage(frame.room.pinned_message);
      showCircle(frame.circle);
      onlineLabel.textContent = String(frame.online);
      const wasReplay = joinedWithAfterSeq;
      if (!wasReplay) input.focus({ preventScroll: true }); // the room opens ready to write
      offerIdentityChoice();
      if (wasReplay) insertNewer(frame.history);
      else {
        for (const message of frame.history) insertMessage(message);
        timeline.opened(); // at the newest message, like every chat
      }
      // Hides and approvals of messages we already had, made while we were away.
      // Edits, deletions and reactions too: a message object replaces the one shown with its seq.
      for (const change of frame.changes || []) change.type === "message.removed" ? removeMessage(change.seq) : upsertMessage(change);
      if (!wasReplay) loadOlder.hidden = !frame.has_more;
      // A capped replay: page forward until we are up to date.
      else if (frame.has_more) send({ type: "history.fetch", after_seq: lastSeq, limit: 100 });
      // Messages sent while offline go again with the same client_id: the server makes that idempotent.
      for (const [clientId, entry] of pending) send(sendFrame(clientId, entry.body, entry.replyTo));
      notifications.joined(frame);
      break;
    }
    case "message": insertNewer([frame]); break;
    case "message.updated": upsertMessage(frame.message); break;
    case "message.removed": removeMessage(frame.seq); break;
    case "pinned": showPinned(frame.text); break;
    case "pinned.message": showPinnedMessage(frame.message); break;
    case "circle": showCircle(frame); break;
    case "warning": showError("A moderator has warned you: " + frame.reason); break;
    case "muted": showMute(frame.until, frame.reason); break;
    case "banned": showBan(frame.reason, frame.appeal); break;
    case "worried_peer": showWorriedCard(root, frame); break;
    case "slow_mode": showError(frame.seconds ? `Slow mode is on: one message every ${frame.seconds} seconds.` : "Slow mode is off."); break;
    case "message.ack": onAck(frame); break;
    case "history": {
      const oldestShown = bySeq.size ? Math.min(...bySeq.keys()) : Infinity;
      const isOlderPage = frame.messages.length > 0 && frame.messages[0].seq < oldestShown;
      if (isOlderPage) {
        timeline.keepPosition(() => { // the button above goes too once the first message is here
          for (const message of frame.messages) insertMessage(message);
          loadOlder.hidden = !frame.has_more;
        });
      } else insertNewer(frame.messages);
      if (!isOlderPage && frame.has_more) send({ type: "history.fetch", after_seq: lastSeq, limit: 100 });
      break;
    }
    case "support": showSupport(frame); break;
    // Sessions were scheduled, moved or cancelled: the session list (sessions.js) fetches them again.
    case "sessions.changed": document.dispatchEvent(new CustomEvent("medpeer:sessions-changed")); break;
    case "presence": onlineLabel.textContent = String(frame.online); break;
    case "identity": setIdentity(frame); break;
    case "report.ack": showError("Thank you. A moderator will look at that message."); break;
    case "error": {
      if (actions.handle(frame)) break; // about a message's edit, deletion or reaction
      showError(frame.detail);
      // A refused message stays on screen marked "not sent"; the text is not lost.
      const entry = frame.client_id && pending.get(frame.client_id);
      if (entry && frame.code !== "server_error") {
        entry.status.textContent = "not sent: " + frame.detail;
        entry.li.classList.add("blocked");
        settle(frame.client_id);
      }
      break;
    }
    default: actions.handle(frame); break; // reactions, message.edit.ack, message.delete.ack
  }
}

// The server's private support frame: a card only this student sees, until they dismiss it.
function showSupport(frame) {
  document.getElementById("support-card")?.remove();
  const card = document.createElement("section");
  card.id = "support-card";
  card.className = "support-card";
  card.setAttribute("role", "alertdialog");
  card.setAttribute("aria-labelledby", "support-title");
  const title = document.createElement("h2");
  title.id = "support-title";
  title.textContent = frame.for_other ? "Worried about someone?" : "You're not alone";
  const text = document.createElement("p");
  text.textContent = frame.message;
  const list = resourceList(frame.resources);
  const close = button("Close", () => card.remove());
  card.append(title, text, list, close);
  root.prepend(card);
  // Start reading at the top of the card, not at its Close button: on a phone the card scrolls, and focusing
  // Close would show only the button, not the words and the numbers to call.
  title.tabIndex = -1;
  title.focus({ preventScroll: true });
  card.scrollIntoView({ block: "start" });
  card.scrollTop = 0;
}

function send(frame) {
  socket?.send(frame);
}

function sendFrame(clientId, body, replyTo) {
  const frame = { type: "message.send", client_id: clientId, body };
  if (replyTo) frame.reply_to = replyTo;
  return frame;
}

// Each (re)connect asks for what came after the last message shown; 4401, 4403 and 4404 are final here,
// everything else (4408, 4429, a dropped connection) reconnects with back-off (socket.js).
function connect() {
  socket = reconnectingSocket(() => {
    joinedWithAfterSeq = lastSeq !== null;
    const query = joinedWithAfterSeq ? `?after_seq=${lastSeq}` : "";
    return `/ws/rooms/${encodeURIComponent(slug)}/${query}`;
  }, {
    onConnecting: () => { stateLabel.textContent = "connecting…"; },
    onOpen: () => { stateLabel.textContent = "connected"; showError(""); },
    onFrame: handle,
    onFinal: (code) => {
      if (code === CLOSE_NOT_LOGGED_IN) { location.href = "/accounts/login/?next=" + encodeURIComponent(location.pathname); return true; }
      if (code === CLOSE_FORBIDDEN) {
        stateLabel.textContent = "you cannot join this room";
        if (!document.getElementById("composer-note")?.textContent) restrictComposer("banned", "You cannot post in this room.");
        return true;
      }
      if (code === CLOSE_NO_SUCH_ROOM) { stateLabel.textContent = "this room does not exist"; return true; }
      return false;
    },
    onReconnecting: (code) => { stateLabel.textContent = reconnectingText(code); },
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const body = input.value;
  if (!body.trim()) return;
  const clientId = crypto.randomUUID();
  const replyTo = actions.takeReply();
  // Writing without choosing keeps the identity the composer shows: the first-visit question is answered, and
  // left open it would hold most of a phone's screen.
  document.getElementById("identity-choice").hidden = true;
  addPending(clientId, body, replyTo);
  timeline.sent();
  send(sendFrame(clientId, body, replyTo));
  input.value = "";
  input.focus();
});
input.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
});
identityToggle.addEventListener("click", () => send({ type: "identity.set", anonymous: !you.anonymous }));
loadOlder.addEventListener("click", () => {
  const oldest = Math.min(...bySeq.keys());
  send({ type: "history.fetch", before_seq: oldest, limit: 50 });
});

restoreOutbox();
connect();
