// Moderator dashboard: the live queue over /ws/moderation/ (docs/protocol.md). Text only, never HTML.
import { nameWithBadge } from "./badge.js";
import { openCheckInButton } from "./checkin_queue.js";
import { button, el } from "./dom.js";
import { CLOSE_FORBIDDEN, CLOSE_NOT_LOGGED_IN, reconnectingSocket, reconnectingText } from "./socket.js";

const escalationList = document.getElementById("escalations");
const flagList = document.getElementById("flags");
const stateLabel = document.getElementById("mod-state");
const errorBox = document.getElementById("mod-error");
const escalations = new Map(); // id -> escalation
const flags = new Map(); // id -> flag
let socket = null; // the reconnecting socket (socket.js), from connect()

function age(iso) {
  const seconds = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 1000));
  const minutes = Math.floor(seconds / 60);
  return minutes ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

// The author is named as the room showed the message (alias or name) and acted on by the message's seq:
// the alias of someone who posted under their name is never shown here.
function memberActions(item, contextKey) {
  const room = item.room.slug;
  const seq = item.message.seq;
  const who = item.message.author.name;
  const box = el("div", "actions member-actions");
  box.append(el("span", "meta", `${who}: `));
  box.append(button("Warn…", () => {
    const reason = window.prompt(`Warning for ${who} (they will read this):`);
    if (reason && reason.trim()) act({ type: "user.warn", room, seq, reason: reason.trim() });
  }));
  box.append(button("Mute…", () => {
    const minutes = Number(window.prompt(`Mute ${who} for how many minutes?`, "30"));
    if (minutes > 0) act({ type: "user.mute", room, seq, minutes: Math.round(minutes), reason: "" });
  }));
  box.append(button("Ban…", () => {
    const reason = window.prompt(`Ban ${who} from ${item.room.title}. Reason:`);
    if (reason && reason.trim()) act({ type: "user.ban", room, seq, reason: reason.trim() });
  }));
  box.append(button("Reveal identity…", () => openReveal(item, contextKey)));
  box.append(openCheckInButton(item, contextKey));
  return box;
}

function messageBlock(item) {
  const block = el("div", "queue-message");
  const line = (className, m) => {
    const p = el("p", className);
    p.append(...nameWithBadge(m.author.name, m.author.role), `: ${m.body}`);
    return p;
  };
  for (const m of item.context) block.append(line("context", m));
  block.append(line("flagged", item.message));
  return block;
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

function renderEscalations() {
  escalationList.replaceChildren();
  const open = [...escalations.values()].filter((e) => e.status !== "resolved");
  open.sort((a, b) => b.level - a.level || a.created_at.localeCompare(b.created_at));
  for (const e of open) {
    const li = el("li", `queue-item level-${e.level} ${e.status}`);
    li.dataset.id = String(e.id);
    const head = el("div", "head");
    // about_other: the author reported someone else at risk; the level is that person's, not the author's.
    head.append(el("strong", "", e.about_other ? `Level ${e.level} · someone else at risk` : `Level ${e.level}`), ` · ${e.room.title} · ${e.status} · `);
    const timer = el("span", "timer", age(e.created_at));
    timer.dataset.since = e.created_at;
    head.append(timer);
    li.append(head, el("p", "meta why", `Why: ${describeSignals(e.rules)}`), messageBlock(e));
    const actions = el("div", "actions");
    if (e.status === "open") actions.append(button("Acknowledge", () => act({ type: "escalation.ack", id: e.id })));
    actions.append(button("Resolve…", () => {
      const note = window.prompt("What was done? (required)");
      if (note && note.trim()) act({ type: "escalation.resolve", id: e.id, note: note.trim() });
    }));
    actions.append(button("Hide message", () => act({ type: "message.hide", room: e.room.slug, seq: e.message.seq, reason: "escalation" })));
    if (e.message.state === "held") actions.append(button("Deliver to room", () => act({ type: "message.approve", room: e.room.slug, seq: e.message.seq })));
    actions.append(button("Slow mode…", () => slowMode(e.room)));
    li.append(actions, memberActions(e, "escalation"));
    escalationList.append(li);
  }
  document.getElementById("no-escalations").hidden = open.length > 0;
}

function renderFlags() {
  flagList.replaceChildren();
  const open = [...flags.values()].filter((f) => f.status === "open");
  for (const f of open) {
    const li = el("li", "queue-item flag");
    const head = el("div", "head");
    head.append(el("strong", "", f.source === "report" ? "Reported" : "Rule"), ` · ${f.room.title} · ${f.rules.join(", ")}`);
    li.append(head, messageBlock(f));
    if (f.reports.length) li.append(el("p", "meta", "Reasons: " + f.reports.join(" / ")));
    const actions = el("div", "actions");
    if (f.message.state === "held") actions.append(button("Approve", () => act({ type: "message.approve", room: f.room.slug, seq: f.message.seq })));
    actions.append(button("Hide", () => act({ type: "message.hide", room: f.room.slug, seq: f.message.seq, reason: "flag reviewed" })));
    li.append(actions, memberActions(f, "flag"));
    flagList.append(li);
  }
  document.getElementById("no-flags").hidden = open.length > 0;
}

function slowMode(room) {
  const seconds = Number(window.prompt(`Slow mode for ${room.title}: seconds between one member's messages (0 = off)`, "30"));
  if (Number.isInteger(seconds) && seconds >= 0) act({ type: "room.slow_mode", room: room.slug, seconds });
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
}

function showRevealed(frame) {
  const box = document.getElementById("revealed");
  const who = frame.identity;
  box.textContent = `${frame.alias} in ${frame.room} is ${who.name || who.username} (${who.username}, ${who.email || "no e-mail"}). This reveal is recorded.`;
  box.hidden = false;
}

// A short tone for new level-3 escalations (Web Audio: nothing to download, allowed by the CSP).
function beep() {
  try {
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    tone.frequency.value = 880;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.4);
  } catch (_) { /* no audio device */ }
}

function act(frame) {
  socket?.send(frame);
}

function alertNewCrisis(escalation) {
  if (escalation.level >= 3) {
    document.title = "⚠ Level 3 · Moderation";
    beep();
  }
}

function handle(frame) {
  document.dispatchEvent(new CustomEvent("moderation:frame", { detail: frame })); // check-ins (checkin_queue.js)
  switch (frame.type) {
    case "queue.snapshot":
      escalations.clear(); flags.clear();
      for (const e of frame.escalations) escalations.set(e.id, e);
      for (const f of frame.flags) flags.set(f.id, f);
      break;
    case "escalation.new": alertNewCrisis(frame.escalation); // falls through
    case "escalation.updated":
    case "escalation.reminder": escalations.set(frame.escalation.id, frame.escalation); break;
    case "flag.new":
    case "flag.updated": flags.set(frame.flag.id, frame.flag); break;
    case "reveal.requested": showRevealRequest(frame); return;
    case "identity.revealed": showRevealed(frame); return;
    case "action.done": loadAudit(); return;
    case "error": errorBox.textContent = frame.detail; errorBox.hidden = false; return;
    default: return;
  }
  errorBox.hidden = true;
  renderEscalations();
  renderFlags();
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
    const target = [entry.alias, entry.seq ? `#${entry.seq}` : ""].filter(Boolean).join(" ");
    for (const cell of [new Date(entry.at).toLocaleString(), entry.actor, entry.action, entry.room || "", target, entry.reason]) {
      tr.append(el("td", "", cell ?? ""));
    }
    rows.append(tr);
  }
}
document.getElementById("audit-filter").addEventListener("submit", loadAudit);
loadAudit();

setInterval(() => {
  for (const timer of document.querySelectorAll(".timer")) timer.textContent = age(timer.dataset.since);
}, 1000);
connect();
