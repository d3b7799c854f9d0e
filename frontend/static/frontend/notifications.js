// Keeping up with a room: the unread count in the tab title, read markers for the directory's unread counts
// (the `read` frame), opt-in browser notifications for replies to you and mentions of you (every room) and for
// any new message in a room you follow (that room only), and @mention
// autocomplete from the names recently shown in the room. room.js calls arrived() for every message it shows
// and joined() after each room.joined.
//
// Names come only from what the room showed (message authors as they appeared): a member who posted under
// their alias and under their name is two unrelated entries here, as in the room. Nothing links them.

import { button, el } from "./dom.js";

const NOTIFY_KEY = "medpeer.notify.replies"; // "on" when the student opted in (this browser only)
const READ_DEBOUNCE_MS = 1000;
const RECENT_NAMES = 30;

export function createNotifications({ send, root, input, actions, roomTitle, lastShownSeq }) {
  let you = null;
  let ready = false; // after the first room.joined: later arrivals are news, not history
  let unread = 0;
  let lastReadSent = -1;
  let readTimer = null;
  const recentNames = []; // most recent first, each once

  // --- tab title and read markers -------------------------------------------------------------------------

  function showTitle() {
    document.title = unread ? `(${unread}) ${roomTitle}` : roomTitle;
  }

  // Whether the newest message is (at least partly) in view: in the page, or in the messages' own scrolling
  // column where the layout has one (#messages-scroller).
  function atBottom() {
    const last = document.getElementById("messages")?.lastElementChild;
    if (!last) return true;
    const scroller = document.getElementById("messages-scroller");
    const visibleBottom = scroller ? Math.min(scroller.getBoundingClientRect().bottom, window.innerHeight) : window.innerHeight;
    return last.getBoundingClientRect().top < visibleBottom;
  }

  function looking() {
    return document.visibilityState === "visible" && atBottom();
  }

  // Everything up to the newest message shown has been seen: clear the count and tell the server (debounced).
  function caughtUp() {
    if (!looking()) return;
    if (unread) { unread = 0; showTitle(); }
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      const seq = lastShownSeq();
      if (seq !== null && seq > lastReadSent && looking()) {
        lastReadSent = seq;
        send({ type: "read", seq });
      }
    }, READ_DEBOUNCE_MS);
  }

  document.addEventListener("visibilitychange", caughtUp);
  window.addEventListener("scroll", caughtUp, { passive: true, capture: true });
  window.addEventListener("focus", caughtUp);

  function isMine(message) {
    return actions.isMine(message.seq) || message.mine || (you && message.author.name === you.name);
  }

  function mentionsMe(message) {
    if (!you) return false;
    const text = message.body.toLowerCase();
    return [you.name, you.alias].some((name) => name && text.includes("@" + name.toLowerCase()));
  }

  function arrived(message) {
    if (!message.deleted && !isMine(message)) rememberName(message.author.name);
    if (!ready || message.deleted || isMine(message)) return;
    if (looking()) { caughtUp(); return; }
    unread += 1;
    showTitle();
    const replyToMe = message.reply_to && !message.reply_to.unavailable && actions.isMine(message.reply_to.seq);
    if (replyToMe) notify(`${message.author.name} replied to you`, message.body, optedIn());
    else if (mentionsMe(message)) notify(`${message.author.name} mentioned you`, message.body, optedIn());
    else notify(`New message in ${roomTitle}`, message.body, following());
  }

  function joined(frame) {
    you = frame.you;
    ready = true;
    caughtUp();
  }

  // --- browser notifications (opt-in) ---------------------------------------------------------------------

  const supported = "Notification" in window;
  function optedIn() {
    try { return localStorage.getItem(NOTIFY_KEY) === "on"; } catch { return false; }
  }

  // A room the student follows: every new message here notifies (this browser only, like the opt-in above).
  const followKey = `medpeer.follow.${root.dataset.slug}`;
  function following() {
    try { return localStorage.getItem(followKey) === "on"; } catch { return false; }
  }

  // ``wanted``: the student opted in to this kind of notification.
  function notify(title, body, wanted) {
    if (!supported || !wanted || Notification.permission !== "granted") return;
    if (document.visibilityState === "visible" && document.hasFocus()) return; // they can see it already
    const text = body.length > 120 ? body.slice(0, 119) + "…" : body;
    // The text stays on this device; it is what the room already showed this student.
    const shown = new Notification(title, { body: text, tag: `medpeer-${root.dataset.slug}` });
    shown.onclick = () => { window.focus(); shown.close(); };
  }

  const toggle = button("", async () => {
    if (optedIn()) {
      try { localStorage.removeItem(NOTIFY_KEY); } catch { /* storage disabled */ }
    } else {
      const permission = await Notification.requestPermission();
      if (permission === "granted") {
        try { localStorage.setItem(NOTIFY_KEY, "on"); } catch { /* storage disabled */ }
      }
    }
    showToggle();
  }, "notify-toggle");
  function showToggle() {
    const on = optedIn() && Notification.permission === "granted";
    toggle.textContent = on ? "Notifications: on" : "Notify me of replies";
    toggle.setAttribute("aria-pressed", String(on));
    toggle.title = on
      ? "You get a browser notification when someone replies to you or mentions you here while this tab is in the background"
      : "Get a browser notification when someone replies to you or mentions you";
  }
  const follow = button("", async () => {
    if (following()) {
      try { localStorage.removeItem(followKey); } catch { /* storage disabled */ }
    } else if ((await Notification.requestPermission()) === "granted") {
      try { localStorage.setItem(followKey, "on"); } catch { /* storage disabled */ }
    }
    showFollow();
  }, "follow-toggle");
  function showFollow() {
    const on = following() && Notification.permission === "granted";
    follow.textContent = on ? "Following" : "Follow this room";
    follow.setAttribute("aria-pressed", String(on));
    follow.title = on
      ? "You get a browser notification for every new message here while this tab is in the background"
      : "Get a browser notification for every new message in this room";
  }
  if (supported) {
    showToggle();
    showFollow();
    document.getElementById("conn-state")?.closest("p")?.append(" ", toggle, " ", follow);
  }

  // --- @mentions ------------------------------------------------------------------------------------------

  function rememberName(name) {
    const at = recentNames.indexOf(name);
    if (at !== -1) recentNames.splice(at, 1);
    recentNames.unshift(name);
    recentNames.length = Math.min(recentNames.length, RECENT_NAMES);
  }

  const listbox = el("ul", "mention-list");
  listbox.id = "mention-list";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "People who posted here recently");
  listbox.hidden = true;
  input.closest("form").before(listbox);
  input.setAttribute("aria-controls", listbox.id);
  input.setAttribute("aria-autocomplete", "list");
  let choices = [];
  let active = 0;

  function mentionQuery() {
    const before = input.value.slice(0, input.selectionStart);
    const match = /(?:^|\s)@([^@\n]{0,40})$/u.exec(before);
    return match ? match[1] : null;
  }

  function showChoices() {
    const query = mentionQuery();
    const folded = query === null ? null : query.toLowerCase();
    const mine = you ? [you.name, you.alias] : [];
    choices = folded === null ? [] : recentNames
      .filter((name) => !mine.includes(name))
      .filter((name) => name.toLowerCase().startsWith(folded) || name.toLowerCase().split(/\s+/).some((w) => w.startsWith(folded)))
      .slice(0, 6);
    listbox.hidden = choices.length === 0;
    active = 0;
    renderChoices();
  }

  function renderChoices() {
    listbox.replaceChildren(...choices.map((name, index) => {
      const item = el("li", "", name);
      item.id = `mention-${index}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", String(index === active));
      item.addEventListener("mousedown", (event) => { event.preventDefault(); pick(name); });
      return item;
    }));
    if (choices.length) input.setAttribute("aria-activedescendant", `mention-${active}`);
    else input.removeAttribute("aria-activedescendant");
  }

  function pick(name) {
    const caret = input.selectionStart;
    const before = input.value.slice(0, caret);
    const start = before.lastIndexOf("@");
    input.value = before.slice(0, start) + "@" + name + " " + input.value.slice(caret);
    const at = start + name.length + 2;
    input.setSelectionRange(at, at);
    choices = [];
    listbox.hidden = true;
    input.focus();
  }

  input.addEventListener("input", showChoices);
  input.addEventListener("blur", () => { listbox.hidden = true; });
  // Registered before room.js's Enter-to-send: while the list is open, Enter and Tab pick a name.
  input.addEventListener("keydown", (event) => {
    if (listbox.hidden || !choices.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active = (active + (event.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
      renderChoices();
    } else if (event.key === "Enter" || event.key === "Tab") {
      pick(choices[active]);
    } else if (event.key === "Escape") {
      listbox.hidden = true;
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  });

  return { arrived, joined };
}
