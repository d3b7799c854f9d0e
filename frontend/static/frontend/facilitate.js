// Facilitator room tools: pin an announcement, set slow mode (POST /api/rooms/<slug>/tools/).
import { sendJson } from "./api.js";
import { nameWithBadge } from "./badge.js";
import { button, el } from "./dom.js";

// Ask before something that cannot be undone, in a real <dialog> (modal, keyboard-friendly, styled like the
// page; window.confirm is none of these). Resolves true only when the person chose ``confirmLabel``.
const confirmDialog = document.getElementById("confirm-dialog");
function confirmAction(question, confirmLabel) {
  document.getElementById("confirm-question").textContent = question;
  document.getElementById("confirm-yes").textContent = confirmLabel;
  confirmDialog.returnValue = "";
  confirmDialog.showModal();
  return new Promise((resolve) => {
    confirmDialog.addEventListener("close", () => resolve(confirmDialog.returnValue === "confirm"), { once: true });
  });
}

const statusLine = document.getElementById("tool-status");

async function tool(slug, body) {
  const { ok, reply } = await sendJson(`/api/rooms/${encodeURIComponent(slug)}/tools/`, body);
  statusLine.textContent = ok ? "Saved." : reply.detail;
}

for (const card of document.querySelectorAll("#room-list > li[data-slug]")) {
  const slug = card.dataset.slug;
  card.querySelector(".pin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    tool(slug, { type: "room.pin", text: card.querySelector("textarea").value });
  });
  card.querySelector(".slow-form").addEventListener("submit", (event) => {
    event.preventDefault();
    tool(slug, { type: "room.slow_mode", seconds: Number(card.querySelector("input").value) });
  });
}

// Scheduling: the same JSON API as any client; errors appear next to the field they concern.
const scheduleForm = document.getElementById("schedule-form");
const zoneInput = document.getElementById("s-zone");
if (zoneInput && !zoneInput.value) zoneInput.value = Intl.DateTimeFormat().resolvedOptions().timeZone;
// Co-facilitators are chosen among the people who run the selected room.
const roomSelect = document.getElementById("s-room");
function showColleagues() {
  for (const set of document.querySelectorAll("fieldset.co-facilitators")) set.hidden = set.dataset.room !== roomSelect.value;
}
roomSelect?.addEventListener("change", showColleagues);
if (roomSelect) showColleagues();
scheduleForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  for (const p of scheduleForm.querySelectorAll("[data-error-for]")) p.textContent = "";
  const value = (id) => document.getElementById(id).value;
  const weekly = document.getElementById("s-weekly").checked;
  const chosen = scheduleForm.querySelectorAll(`fieldset[data-room="${CSS.escape(value("s-room"))}"] input:checked`);
  const body = {
    title: value("s-title"), description: value("s-description"), time_zone: value("s-zone"),
    start: value("s-start"), end: value("s-end"), capacity: Number(value("s-capacity")),
    co_facilitators: [...chosen].map((box) => box.value),
    ...(weekly ? { repeat: "weekly", weekly_until: value("s-until") || null } : {}),
  };
  const { ok, reply } = await sendJson(`/api/rooms/${encodeURIComponent(value("s-room"))}/sessions/`, body);
  const result = document.getElementById("schedule-result");
  if (ok) {
    result.textContent = `Scheduled ${reply.sessions.length} session${reply.sessions.length === 1 ? "" : "s"}.`;
  } else {
    const slot = scheduleForm.querySelector(`[data-error-for="${reply.field}"]`);
    (slot || result).textContent = reply.detail;
  }
});

// Each room's sessions: end a running one, move or cancel one, edit or cancel the series, read the
// numbers-only summary.
async function sessionAction(id, action, body = {}) {
  const result = await sendJson(`/api/sessions/${id}/${action}/`, body);
  statusLine.textContent = result.ok ? "Saved." : result.reply.detail;
  return result;
}

// "2027-10-21T19:00" for an instant, as the wall-clock time in the session's own zone (what the API takes).
function wallClock(iso, zone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

function field(form, labelText, input) {
  const label = document.createElement("label");
  label.append(labelText, " ", input);
  form.append(label);
  return input;
}

function input(type, value) {
  const element = document.createElement("input");
  element.type = type;
  element.value = value;
  return element;
}

// An inline form under a session; submit(form) returns the API call's result, errors show in the form.
function inlineForm(li, className, buttonText, build, submit, done) {
  li.querySelector("form")?.remove();
  const form = document.createElement("form");
  form.className = `tools ${className}`;
  build(form);
  const error = document.createElement("p");
  error.className = "error";
  error.setAttribute("role", "alert");
  const submitButton = el("button", "", buttonText);
  submitButton.type = "submit";
  form.append(submitButton, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const { ok, reply } = await submit(form);
    if (ok) done();
    else error.textContent = reply.detail;
  });
  li.append(form);
  form.querySelector("input")?.focus();
}

function moveForm(card, li, s) {
  let start, end;
  inlineForm(li, "move-form", "Move this session", (form) => {
    start = field(form, `New start (${s.time_zone})`, input("datetime-local", wallClock(s.starts_at, s.time_zone)));
    end = field(form, "New end", input("datetime-local", wallClock(s.ends_at, s.time_zone)));
  }, () => sessionAction(s.id, "move", { start: start.value, end: end.value }), () => loadSessions(card));
}

function editForm(card, li, s) {
  let title, capacity;
  inlineForm(li, "edit-form", "Save the series", (form) => {
    title = field(form, "Title", input("text", s.title));
    title.maxLength = 120; // as the schedule form; the server refuses longer titles with a message
    capacity = field(form, "Capacity", input("number", String(s.capacity)));
    const colleagues = card.querySelector("template.colleagues").content.cloneNode(true);
    for (const box of colleagues.querySelectorAll("input")) box.checked = s.co_facilitators.includes(box.value);
    const set = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = "Co-facilitators";
    set.append(legend, colleagues);
    form.append(set);
  }, (form) => sessionAction(s.id, "edit", {
    title: title.value,
    capacity: Number(capacity.value),
    co_facilitators: [...form.querySelectorAll("fieldset input:checked")].map((box) => box.value),
  }), () => loadSessions(card));
}

async function loadSessions(card) {
  const slug = card.dataset.slug;
  const response = await fetch(`/api/rooms/${encodeURIComponent(slug)}/sessions/?recent=1`, { credentials: "same-origin" });
  if (!response.ok) return;
  const list = card.querySelector(".manage-sessions");
  list.replaceChildren();
  const now = Date.now();
  for (const s of (await response.json()).sessions) {
    const li = document.createElement("li");
    li.dataset.session = String(s.id);
    const starts = new Date(s.starts_at), ends = new Date(s.ends_at);
    const state = s.cancelled ? "cancelled" : ends < now ? "ended" : starts <= now ? "running" : "upcoming";
    const label = document.createElement("span");
    // Every row has the same buttons: each is described by its row's text, so a screen reader tells them apart.
    label.id = `session-${slug}-${s.id}`;

    // In the session's own zone, as it was scheduled: the facilitator may be travelling.
    const when = starts.toLocaleString([], { dateStyle: "medium", timeStyle: "short", timeZone: s.time_zone });
    const going = s.capacity - s.seats_left;
    label.append(`${s.title}: ${when} (${s.time_zone}) · ${state} · ${going}/${s.capacity} going · with `);
    s.facilitators.forEach((host, index) => { // a mentor's role as a badge element, as in the room
      if (index) label.append(", ");
      label.append(...nameWithBadge(host.name, host.role === "mentor" ? "mentor" : null));
    });
    label.append(" ");
    li.append(label);
    const described = (b) => { b.setAttribute("aria-describedby", label.id); return b; };
    const action = (text, onClick) => li.append(described(button(text, onClick)), " ");
    // Actions that change the session: the list is reloaded to show the result.
    const add = (text, act) => action(text, async () => { await act(); loadSessions(card); });
    if (state === "running") add("End now", () => sessionAction(s.id, "end"));
    if (state === "upcoming") {
      action("Move", () => moveForm(card, li, s));
      action("Edit series", () => editForm(card, li, s));
      // Cancelling cannot be undone and e-mails everyone signed up: it asks first, and looks different.
      const cancel = (text, question, confirmLabel, body) => li.append(described(button(text, async () => {
        if (!(await confirmAction(question, confirmLabel))) return;
        await sessionAction(s.id, "cancel", body);
        loadSessions(card);
      }, "danger-outline")), " ");
      cancel("Cancel", `Cancel "${s.title}" on ${when}?`, "Cancel this session");
      cancel("Cancel series", `Cancel every future session of "${s.title}"?`, "Cancel the series", { scope: "series" });
    }
    if (state === "ended" || state === "running") add("Summary", async () => {
      const r = await fetch(`/api/sessions/${s.id}/summary/`, { credentials: "same-origin" });
      const n = await r.json();
      card.querySelector(".session-summary").textContent =
        `${n.title}: ${n.signed_up} signed up, ${n.took_part} took part, ${n.messages} messages, ${n.flags} flags, ${n.escalations} escalations.`;
    });
    list.append(li);
  }
}
for (const card of document.querySelectorAll("#room-list > li[data-slug]")) loadSessions(card);
