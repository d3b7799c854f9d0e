// Fill in live online counts on the room directory.
async function refresh() {
  try {
    const response = await fetch("/api/rooms/", { credentials: "same-origin" });
    if (!response.ok) return;
    const { rooms } = await response.json();
    for (const room of rooms) {
      const cell = document.querySelector(`[data-online-for="${CSS.escape(room.slug)}"]`);
      if (cell) cell.textContent = String(room.online);
      showUnread(room);
    }
  } catch (_) {
    // Offline: keep the last numbers.
  }
}
// The unread badge's style lives with the room page's message styles.
const styles = document.createElement("link");
styles.rel = "stylesheet";
styles.href = new URL("./message_actions.css", import.meta.url).href;
document.head.append(styles);

// The messages by others since the student last read the room (null: a room they never joined).
function showUnread(room) {
  const link = document.querySelector(`#room-list a[href="/rooms/${CSS.escape(room.slug)}/"]`);
  if (!link) return;
  let badge = link.parentElement.querySelector(".unread-badge");
  if (!room.unread) { badge?.remove(); return; }
  if (!badge) {
    badge = document.createElement("span");
    badge.className = "unread-badge";
    link.after(badge);
  }
  const shown = room.unread > 99 ? "99+" : String(room.unread);
  badge.textContent = shown;
  badge.setAttribute("aria-label", `${shown} unread ${room.unread === 1 ? "message" : "messages"}`);
}

refresh();
setInterval(refresh, 15000);

// Filter the directory by topic as the student types.
const filter = document.getElementById("room-filter");
filter?.addEventListener("input", () => {
  const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const card of document.querySelectorAll("#room-list > li")) {
    const match = words.every((word) => card.dataset.topic.includes(word));
    card.hidden = !match;
    shown += match ? 1 : 0;
  }
  document.getElementById("no-rooms").hidden = shown > 0;
});

// Session times are rendered in UTC on the server; show them in the student's own time zone.
for (const time of document.querySelectorAll("#room-list time[datetime]")) {
  const when = new Date(time.dateTime);
  if (!Number.isNaN(when.getTime())) {
    time.textContent = when.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  }
}
