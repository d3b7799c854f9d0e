// Facilitator room tools: pin an announcement, set slow mode (POST /api/rooms/<slug>/tools/).
const statusLine = document.getElementById("tool-status");

function csrfToken() {
  return document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1] ?? "";
}

async function tool(slug, body) {
  const response = await fetch(`/api/rooms/${encodeURIComponent(slug)}/tools/`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  const reply = await response.json();
  statusLine.textContent = response.ok ? "Saved." : reply.detail;
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
scheduleForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  for (const p of scheduleForm.querySelectorAll("[data-error-for]")) p.textContent = "";
  const value = (id) => document.getElementById(id).value;
  const weekly = document.getElementById("s-weekly").checked;
  const body = {
    title: value("s-title"), description: value("s-description"), time_zone: value("s-zone"),
    start: value("s-start"), end: value("s-end"), capacity: Number(value("s-capacity")),
    ...(weekly ? { repeat: "weekly", weekly_until: value("s-until") || null } : {}),
  };
  const response = await fetch(`/api/rooms/${encodeURIComponent(value("s-room"))}/sessions/`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  const reply = await response.json();
  const result = document.getElementById("schedule-result");
  if (response.ok) {
    result.textContent = `Scheduled ${reply.sessions.length} session${reply.sessions.length === 1 ? "" : "s"}.`;
  } else {
    const slot = scheduleForm.querySelector(`[data-error-for="${reply.field}"]`);
    (slot || result).textContent = reply.detail;
  }
});

// Each room's sessions: end a running one, cancel one or the series, read the numbers-only summary.
async function sessionAction(id, action, body = {}) {
  const response = await fetch(`/api/sessions/${id}/${action}/`, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  const reply = await response.json();
  statusLine.textContent = response.ok ? "Saved." : reply.detail;
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
    label.textContent = `${s.title}: ${starts.toLocaleString([], { dateStyle: "medium", timeStyle: "short" })} · ${state} `;
    li.append(label);
    const add = (text, onClick) => {
      const b = document.createElement("button");
      b.type = "button"; b.textContent = text;
      b.addEventListener("click", async () => { await onClick(); loadSessions(card); });
      li.append(b, " ");
    };
    if (state === "running") add("End now", () => sessionAction(s.id, "end"));
    if (state === "upcoming") {
      add("Cancel", () => sessionAction(s.id, "cancel"));
      add("Cancel series", () => sessionAction(s.id, "cancel", { scope: "series" }));
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
