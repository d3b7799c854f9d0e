// Moderator dashboard: the live queue over /ws/moderation/ (docs/protocol.md). Text only, never HTML.
import { nameWithBadge } from "./badge.js";
import { openCheckInButton } from "./checkin_queue.js";
import { button, el } from "./dom.js";
import { ask } from "./moderation_dialogs.js";
import { CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, reconnectingSocket, reconnectingText } from "./socket.js";

const me = document.getElementById("dashboard").dataset.me;
const colleagues = JSON.parse(document.getElementById("colleagues").textContent);
const escalationList = document.getElementById("escalations");
const flagList = document.getElementById("flags");
const stateLabel = document.getElementById("mod-state");
const errorBox = document.getElementById("mod-error");
const announcer = document.getElementById("mod-announce");
const escalations = new Map(); // id -> escalation
const flags = new Map(); // id -> flag
const shownSensitive = new Set(); // escalation ids whose blurred message the moderator chose to read
let onlyMine = false;
let socket = null; // the reconnecting socket (socket.js), from connect()

function age(iso) {
  const seconds = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

// New items only, politely: a screen reader hears "New level 3 escalation in Burnout", never a ticking timer.
function announce(text) {
  announcer.textContent = "";
  // A fresh text node in a cleared region is announced even when the words repeat.
  setTimeout(() => { announcer.textContent = text; }, 50);
}

// --- Alerts: tab title, desktop notifications, sound -------------------------------------------------------

function updateTitle() {
  const open = [...escalations.values()].filter((e) => e.status !== "resolved").length;
  document.title = open ? `(${open}) Moderation · MedPeer` : "Moderation · MedPeer";
}

// Browsers only ask for notification permission after a click (Chrome blocks sites that ask on load), so the
// first visit shows a card with a button; the choice is the browser's to remember.
const alertsSetup = document.getElementById("alerts-setup");
const notificationsBlocked = document.getElementById("notifications-blocked");
function showNotificationSetup() {
  const supported = "Notification" in window;
  const permission = supported ? Notification.permission : "unsupported";
  alertsSetup.hidden = permission !== "default" || sessionStorage.getItem("medpeer-notifications-later") === "1";
  notificationsBlocked.hidden = permission !== "denied";
}
document.getElementById("enable-notifications").addEventListener("click", async () => {
  try { await Notification.requestPermission(); } catch { /* an old browser: the callback form is not worth it */ }
  showNotificationSetup();
});
document.getElementById("dismiss-notifications").addEventListener("click", () => {
  sessionStorage.setItem("medpeer-notifications-later", "1");
  showNotificationSetup();
});

// The notification names the level and the room, never the words: it may show on a locked screen.
function notify(title, body, tag, urgent) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  try {
    const note = new Notification(title, { body, tag, requireInteraction: urgent });
    note.onclick = () => { window.focus(); note.close(); };
  } catch { /* some platforms only notify from a service worker: the title and sound still alert */ }
}

// Sound: browsers start audio muted until the page is clicked; the dashboard says so until it is.
const soundLabel = document.getElementById("sound-state");
let audio = null;
function audioContext() {
  if (audio) return audio;
  try { audio = new AudioContext(); } catch { return null; }
  audio.addEventListener("statechange", showSoundState);
  return audio;
}
function showSoundState() {
  const context = audio;
  let state = "off";
  let text = "Sound: not available in this browser";
  if (context && context.state === "running") { state = "on"; text = "Sound: on for level 3"; }
  else if (context) { state = "blocked"; text = "Sound is muted by the browser: click anywhere on this page to turn it on"; }
  soundLabel.dataset.state = state;
  soundLabel.textContent = text;
}
function unlockSound() {
  const context = audioContext();
  if (context && context.state === "suspended") context.resume().then(showSoundState, showSoundState);
  showSoundState();
}
document.addEventListener("pointerdown", unlockSound);
document.addEventListener("keydown", unlockSound);

// A short tone (Web Audio: nothing to download, allowed by the CSP).
function beep() {
  const context = audioContext();
  if (!context || context.state !== "running") { showSoundState(); return; }
  const tone = context.createOscillator();
  tone.frequency.value = 880;
  tone.connect(context.destination);
  tone.start();
  tone.stop(context.currentTime + 0.4);
}

function alertNewEscalation(escalation) {
  const where = escalation.room.title;
  const what = escalation.about_other ? "someone else at risk" : "someone may be at risk";
  announce(`New level ${escalation.level} escalation in ${where}`);
  if (escalation.level >= 2) {
    notify(`Level ${escalation.level} escalation · ${where}`, `${what}: open the moderation queue`, `escalation-${escalation.id}`, escalation.level >= 3);
  }
  if (escalation.level >= 3) beep();
}

function alertHandedOver(frame) {
  const e = frame.escalation;
  const text = `${frame.by} handed you a level ${e.level} case in ${e.room.title}: "${frame.note}"`;
  const box = document.getElementById("handed-over");
  box.textContent = text;
  box.hidden = false;
  announce(text);
  notify(`A case was handed to you · ${e.room.title}`, `From ${frame.by}: open the moderation queue`, `handover-${e.id}`, e.level >= 3);
  beep();
}

// --- The queue ----------------------------------------------------------------------------------------------

// The author is named as the room showed the message (alias or name) and acted on by the message's seq:
// the alias of someone who posted under their name is never shown here.
function memberActions(item, contextKey) {
  const room = item.room.slug;
  const seq = item.message.seq;
  const who = item.message.author.name;
  const box = el("div", "actions member-actions");
  box.append(el("span", "meta", `${who}: `));
  box.append(button("Warn…", async () => {
    const values = await ask({
      title: `Warn ${who}`,
      help: `${who} reads this warning in ${item.room.title}. It is kept in the audit log.`,
      submit: "Send warning",
      fields: [{ name: "reason", label: "Warning (they will read it)", kind: "textarea", required: true }],
    });
    if (values) act({ type: "user.warn", room, seq, reason: values.reason });
  }));
  box.append(button("Mute…", async () => {
    const values = await ask({
      title: `Mute ${who} in ${item.room.title}`,
      help: "They can still read the room. They see the reason and when the mute ends, in their own time zone.",
      submit: "Mute",
      fields: [
        { name: "minutes", label: "For", kind: "select", value: "60", options: MUTE_CHOICES },
        { name: "reason", label: "Reason (they will read it)", kind: "textarea", required: true },
      ],
    });
    if (values) act({ type: "user.mute", room, seq, minutes: Number(values.minutes), reason: values.reason });
  }));
  box.append(button("Ban…", async () => {
    const values = await ask({
      title: `Ban ${who} from ${item.room.title}`,
      help: "They can no longer read or post in this room. They see the reason and how to appeal.",
      submit: "Ban",
      fields: [{ name: "reason", label: "Reason (they will read it)", kind: "textarea", required: true }],
    });
    if (values) act({ type: "user.ban", room, seq, reason: values.reason });
  }));
  box.append(button("Reveal identity…", () => openReveal(item, contextKey)));
  box.append(openCheckInButton(item, contextKey));
  return box;
}

const MUTE_CHOICES = [
  ["15", "15 minutes"], ["60", "1 hour"], ["240", "4 hours"], ["1440", "24 hours"], ["4320", "3 days"], ["10080", "7 days"],
].map(([value, label]) => ({ value, label }));

function messageBlock(item) {
  const block = el("div", "queue-message");
  const line = (className, m) => {
    const p = el("p", className);
    p.append(...nameWithBadge(m.author.name, m.author.role), `: ${m.body}`);
    return p;
  };
  for (const m of item.context) block.append(line("context", m));
  block.append(line("flagged", item.message));
  // What its author edited away or deleted: moderators keep the words the flag or escalation was raised on.
  if (item.message.deleted) block.append(el("p", "revision", "Deleted by its author."));
  else if (item.message.edited_at) block.append(el("p", "revision", "Edited by its author."));
  for (const revision of item.message.revisions || []) {
    const label = revision.kind === "deleted" ? "When deleted it said" : "Before an edit";
    block.append(el("p", "revision", `${label}: ${revision.body}`));
  }
  return block;
}

// Escalations are about self-harm and suicide: their words stay blurred (and out of reach of the keyboard and
// screen readers) until the moderator chooses to read them.
function sensitiveBlock(escalation) {
  const block = messageBlock(escalation);
  if (shownSensitive.has(escalation.id)) return block;
  const box = el("div", "sensitive-box");
  block.classList.add("blurred");
  block.inert = true;
  block.setAttribute("aria-hidden", "true");
  block.tabIndex = -1;
  const show = button("Show message (may describe self-harm)", () => {
    shownSensitive.add(escalation.id);
    block.classList.remove("blurred");
    block.inert = false;
    block.removeAttribute("aria-hidden");
    show.remove();
    block.focus();
  }, "show-sensitive");
  box.append(block, show);
  return box;
}

// What the detector found, in words: pattern names as written, the language model spelled out.
const SIGNAL_WORDS = {
  "crisis:language_model": "crisis language (language model; no pattern matched)",
  "crisis:language_model_plan": "may describe a plan or preparation (language model)",
  "crisis:concern_for_other": "worried about someone else",
};
function describeSignals(rules) {
  if (!rules.length) return "reported by members";
  return rules.map((rule) => SIGNAL_WORDS[rule] || rule.replace(/^crisis:/, "").replaceAll("_", " ")).join(", ");
}

function isMine(e) {
  return Boolean(e.owner) && e.owner.username === me;
}

function renderEscalations() {
  escalationList.replaceChildren();
  const open = [...escalations.values()].filter((e) => e.status !== "resolved");
  open.sort((a, b) => b.level - a.level || a.created_at.localeCompare(b.created_at));
  document.getElementById("mine-count").textContent = String(open.filter(isMine).length);
  const shown = onlyMine ? open.filter(isMine) : open;
  for (const e of shown) {
    const li = el("li", `queue-item level-${e.level} ${e.status}`);
    li.dataset.id = String(e.id);
    const head = el("div", "head");
    // about_other: the author reported someone else at risk; the level is that person's, not the author's.
    head.append(el("strong", "", e.about_other ? `Level ${e.level} · someone else at risk` : `Level ${e.level}`), ` · ${e.room.title} · ${e.status} · `);
    const timer = el("span", "timer", age(e.created_at));
    timer.dataset.since = e.created_at;
    head.append(timer);
    if (e.owner) head.append(" · ", el("span", "owner", isMine(e) ? "your case" : `${e.owner.name}'s case`));
    li.append(head, el("p", "meta why", `Why: ${describeSignals(e.rules)}`), sensitiveBlock(e));
    const actions = el("div", "actions");
    if (e.status === "open") actions.append(button("Acknowledge", () => act({ type: "escalation.ack", id: e.id })));
    actions.append(button("Resolve…", async () => {
      const values = await ask({
        title: `Resolve this level ${e.level} escalation`,
        help: "Say what was done: the note goes into the audit log for the team.",
        submit: "Resolve",
        fields: [{ name: "note", label: "What was done? (required)", kind: "textarea", required: true }],
      });
      if (values) act({ type: "escalation.resolve", id: e.id, note: values.note });
    }));
    actions.append(button("Hand over…", () => handOver(e), colleagues.length ? "" : "quiet"));
    actions.append(button("Hide message", () => act({ type: "message.hide", room: e.room.slug, seq: e.message.seq, reason: "escalation" })));
    if (e.message.state === "held") actions.append(button("Deliver to room", () => act({ type: "message.approve", room: e.room.slug, seq: e.message.seq })));
    actions.append(button("Slow mode…", () => slowMode(e.room)));
    li.append(actions, memberActions(e, "escalation"));
    escalationList.append(li);
  }
  const empty = document.getElementById("no-escalations");
  empty.hidden = shown.length > 0;
  empty.textContent = onlyMine ? "No open cases of yours." : "No open escalations.";
  updateTitle();
}

async function handOver(e) {
  if (!colleagues.length) { showError("There is no other moderator to hand this case to."); return; }
  const values = await ask({
    title: "Hand this case over",
    help: "Your colleague is told at once, with your note. The hand-over is kept in the audit log.",
    submit: "Hand over",
    fields: [
      { name: "to", label: "Colleague", kind: "select", options: colleagues.map((c) => ({ value: c.username, label: c.name })) },
      { name: "note", label: "What they need to know (required)", kind: "textarea", required: true },
    ],
  });
  if (values) act({ type: "escalation.hand_over", id: e.id, to: values.to, note: values.note });
}

function renderFlags() {
  flagList.replaceChildren();
  const open = [...flags.values()].filter((f) => f.status === "open");
  for (const f of open) {
    const li = el("li", "queue-item flag");
    li.dataset.id = String(f.id);
    const head = el("div", "head");
    head.append(el("strong", "", f.source === "report" ? "Reported" : "Rule"), ` · ${f.room.title} · ${f.rules.join(", ")}`);
    li.append(head, messageBlock(f));
    if (f.reports.length) li.append(el("p", "meta", "Reasons: " + f.reports.join(" / ")));
    const actions = el("div", "actions");
    if (f.message.state === "held") actions.append(button("Approve", () => act({ type: "message.approve", room: f.room.slug, seq: f.message.seq })));
    actions.append(button("Hide", () => act({ type: "message.hide", room: f.room.slug, seq: f.message.seq, reason: "flag reviewed" })));
    // A held message is delivered or hidden: dismissed, it would wait unseen (the server refuses it too).
    if (f.message.state !== "held") actions.append(button("Dismiss", () => act({ type: "flag.dismiss", id: f.id, reason: "no action needed" })));
    li.append(actions, memberActions(f, "flag"));
    flagList.append(li);
  }
  document.getElementById("no-flags").hidden = open.length > 0;
}

async function slowMode(room) {
  const values = await ask({
    title: `Slow mode for ${room.title}`,
    help: "The least time between two messages of one member. 0 turns slow mode off. Everyone in the room is told.",
    submit: "Set slow mode",
    fields: [
      { name: "seconds", label: "Seconds between messages", kind: "number", value: "30", min: 0, max: 3600, required: true },
      { name: "reason", label: "Why (for the audit log)", kind: "textarea" },
    ],
  });
  if (values) act({ type: "room.slow_mode", room: room.slug, seconds: Number(values.seconds), reason: values.reason });
}

for (const [id, mine] of [["filter-all", false], ["filter-mine", true]]) {
  document.getElementById(id).addEventListener("click", () => {
    onlyMine = mine;
    document.getElementById("filter-all").setAttribute("aria-pressed", String(!mine));
    document.getElementById("filter-mine").setAttribute("aria-pressed", String(mine));
    renderEscalations();
  });
}

// Reveal dialog: a written reason is required; the request names the escalation or flag it is about.
const revealDialog = document.getElementById("reveal-dialog");
const revealReason = document.getElementById("reveal-reason");
let revealTarget = null;
function openReveal(item, contextKey) {
  revealTarget = { [contextKey]: item.id };
  document.getElementById("reveal-alias").textContent = item.message.author.name;
  revealReason.value = "";
  revealDialog.showModal();
}
document.getElementById("reveal-cancel").addEventListener("click", () => revealDialog.close());
document.getElementById("reveal-form").addEventListener("submit", (event) => {
  if (!revealReason.value.trim()) { event.preventDefault(); return; }
  act({ type: "identity.reveal", ...revealTarget, reason: revealReason.value.trim() });
});

// Pending reveals from other moderators wait for a second moderator's approval.
function showRevealRequest(frame) {
  const li = el("li", "queue-item flag");
  li.append(el("p", "", `Reveal requested for ${frame.shown_as} in ${frame.room}: "${frame.reason}"`));
  li.append(button("Approve reveal", () => { act({ type: "identity.reveal.approve", request: frame.request }); li.remove(); }));
  flagList.prepend(li);
  announce(`Reveal requested in ${frame.room}`);
}

function showRevealed(frame) {
  const box = document.getElementById("revealed");
  const who = frame.identity;
  box.textContent = `${frame.alias} in ${frame.room} is ${who.name || who.username} (${who.username}, ${who.email || "no e-mail"}). This reveal is recorded.`;
  box.hidden = false;
}

function act(frame) {
  socket?.send(frame);
}

function showError(text) {
  errorBox.textContent = text;
  errorBox.hidden = !text;
}

// Every push re-renders the lists: keep the keyboard where it was (the same button of the same item), or a
// moderator tabbing through a case is thrown back to the top whenever anything arrives.
function focusedControl() {
  const active = document.activeElement;
  const item = active?.closest?.("li[data-id]");
  if (!item || active.tagName !== "BUTTON") return null;
  return { list: item.parentElement.id, id: item.dataset.id, label: active.textContent };
}
function restoreFocus(place) {
  if (!place || document.activeElement?.closest?.("li[data-id]")) return;
  const item = document.querySelector(`#${place.list} > li[data-id="${place.id}"]`);
  const control = item && [...item.querySelectorAll("button")].find((b) => b.textContent === place.label);
  control?.focus();
}

function handle(frame) {
  document.dispatchEvent(new CustomEvent("moderation:frame", { detail: frame })); // check-ins (checkin_queue.js)
  switch (frame.type) {
    case "queue.snapshot":
      escalations.clear(); flags.clear();
      for (const e of frame.escalations) escalations.set(e.id, e);
      for (const f of frame.flags) flags.set(f.id, f);
      break;
    case "escalation.new":
      // After a reconnect the same escalation may come again: only a new one alerts.
      if (!escalations.has(frame.escalation.id)) alertNewEscalation(frame.escalation);
      escalations.set(frame.escalation.id, frame.escalation);
      break;
    case "escalation.updated":
    case "escalation.reminder": escalations.set(frame.escalation.id, frame.escalation); break;
    case "case.handed_over": escalations.set(frame.escalation.id, frame.escalation); alertHandedOver(frame); break;
    case "flag.new":
      if (!flags.has(frame.flag.id)) announce(`New ${frame.flag.source === "report" ? "report" : "flag"} in ${frame.flag.room.title}`);
      flags.set(frame.flag.id, frame.flag);
      break;
    case "flag.updated": flags.set(frame.flag.id, frame.flag); break;
    case "reveal.requested": showRevealRequest(frame); return;
    case "identity.revealed": showRevealed(frame); return;
    case "action.done": loadAudit(); return;
    case "error": showError(frame.detail); return;
    default: return;
  }
  showError("");
  const place = focusedControl();
  renderEscalations();
  renderFlags();
  restoreFocus(place);
}

// 4401 and 4403 are final here; everything else (4408, 4429, a dropped connection) reconnects with
// back-off and jitter (socket.js).
function connect() {
  socket = reconnectingSocket(() => "/ws/moderation/", {
    onOpen: () => { stateLabel.textContent = "live"; },
    onFrame: handle,
    onFinal: (code) => {
      if (code !== CLOSE_NOT_LOGGED_IN && code !== CLOSE_FORBIDDEN) return false;
      stateLabel.textContent = "not allowed";
      return true;
    },
    onReconnecting: (code) => { stateLabel.textContent = reconnectingText(code); },
  });
}

// The audit log, filterable by action and room (GET /api/moderation/audit/).
async function loadAudit(event) {
  event?.preventDefault();
  const params = new URLSearchParams();
  const action = document.getElementById("audit-action").value;
  const room = document.getElementById("audit-room").value.trim();
  if (action) params.set("action", action);
  if (room) params.set("room", room);
  const response = await fetch(`/api/moderation/audit/?${params}`, { credentials: "same-origin" });
  if (!response.ok) return;
  const rows = document.getElementById("audit-rows");
  rows.replaceChildren();
  for (const entry of (await response.json()).entries) {
    const tr = el("tr");
    const target = [entry.alias, entry.seq ? `#${entry.seq}` : "", entry.data?.to ? `to ${entry.data.to}` : ""].filter(Boolean).join(" ");
    for (const cell of [new Date(entry.at).toLocaleString(), entry.actor, entry.action, entry.room || "", target, entry.reason]) {
      tr.append(el("td", "", cell ?? ""));
    }
    rows.append(tr);
  }
}
document.getElementById("audit-filter").addEventListener("submit", loadAudit);
loadAudit();

// The timers tick outside any live region: nothing is announced every second.
setInterval(() => {
  for (const timer of document.querySelectorAll(".timer")) timer.textContent = age(timer.dataset.since);
}, 1000);
showNotificationSetup();
audioContext();
showSoundState();
updateTitle();
connect();
