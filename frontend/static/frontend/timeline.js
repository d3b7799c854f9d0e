// How the conversation scrolls, like every chat: it opens at the newest message and stays there while the
// reader is at the bottom. A reader who has scrolled up is never pulled down: new messages are counted on a
// "N new messages ↓" button (which jumps to the newest) and an unread divider marks where they begin.
// Loading an older page keeps what the reader was looking at in place. Day separators ("Today",
// "Yesterday", a date) are rebuilt from the messages' times after every change.
//
// Only the message list scrolls (app.css: the room page is a full-height column), so the newest message is
// never behind the composer.

import { el } from "./dom.js";

// Within this many pixels of the end counts as "at the bottom" (sub-pixel rounding, a last line half shown).
const BOTTOM_SLACK_PX = 24;

// The local calendar day of a date, as a sortable key.
function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

// "Today", "Yesterday", or the date (with the year only when it is not this year).
export function dayLabel(date, now = new Date()) {
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (dayKey(date) === dayKey(now)) return "Today";
  if (dayKey(date) === dayKey(yesterday)) return "Yesterday";
  const options = { weekday: "long", day: "numeric", month: "long" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return date.toLocaleDateString([], options);
}

export function createTimeline({ scroller, list, jumpButton }) {
  let stuckToBottom = true; // the reader is at the newest message: keep them there
  let unread = 0; // messages that arrived while the reader was scrolled up
  let divider = null; // the unread divider <li>, if any
  let lastScrollTop = 0;

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= BOTTOM_SLACK_PX;
  }

  function showUnread() {
    jumpButton.hidden = unread === 0;
    jumpButton.textContent = `${unread} new message${unread === 1 ? "" : "s"} ↓`;
  }

  function scrollToLatest() {
    scroller.scrollTop = scroller.scrollHeight;
    lastScrollTop = scroller.scrollTop;
    stuckToBottom = true;
    if (unread) { unread = 0; showUnread(); }
  }

  // Put a separator before the first message of each day. Separators still in place are kept, not rebuilt:
  // the list is a live region, and a re-added "Today" would be read out with every new message.
  function refreshDays() {
    const wanted = new Set();
    let previous = null;
    for (const item of [...list.children]) {
      if (!item.dataset.sentAt) continue; // pending bubbles, separators and the unread divider
      const sent = new Date(item.dataset.sentAt);
      const key = dayKey(sent);
      if (key === previous) continue;
      previous = key;
      // The unread divider stays right above the first unread message: the day goes above both.
      const anchor = divider && item.previousElementSibling === divider ? divider : item;
      let separator = anchor.previousElementSibling;
      if (!(separator?.classList.contains("day-separator") && separator.dataset.day === key)) {
        separator = el("li", "day-separator");
        separator.dataset.day = key;
        separator.append(el("span"));
        list.insertBefore(separator, anchor);
      }
      const label = dayLabel(sent); // "Today" becomes "Yesterday" after midnight
      if (separator.textContent !== label) separator.firstChild.textContent = label;
      wanted.add(separator);
    }
    for (const old of list.querySelectorAll(":scope > .day-separator")) if (!wanted.has(old)) old.remove();
  }

  // Only the reader scrolling up lets go of the bottom. A scroll event can also follow a layout change (the
  // list's box shrinking as a notice appears above it) that leaves the end a little below: that is not the
  // reader leaving, and the resize observers below bring the newest message back.
  scroller.addEventListener("scroll", () => {
    const top = scroller.scrollTop;
    if (atBottom()) stuckToBottom = true;
    else if (top < lastScrollTop) stuckToBottom = false;
    lastScrollTop = top;
    if (stuckToBottom && unread && atBottom()) { unread = 0; showUnread(); }
  }, { passive: true });
  // The list grows (a message, a status line), the composer or the window changes size (a phone keyboard):
  // whoever was at the bottom stays there.
  const keepAnchored = () => {
    if (!stuckToBottom) return;
    scroller.scrollTop = scroller.scrollHeight;
    lastScrollTop = scroller.scrollTop;
  };
  new ResizeObserver(keepAnchored).observe(list);
  new ResizeObserver(keepAnchored).observe(scroller);
  jumpButton.addEventListener("click", scrollToLatest);

  return {
    scrollToLatest,
    refreshDays,

    // The room opened (first join): show the newest message.
    opened() {
      refreshDays();
      scrollToLatest();
    },

    // Newer messages were added (live, or caught up after a reconnect): ``items`` are their <li>s, oldest first.
    arrived(items) {
      refreshDays();
      if (!items.length) return;
      if (stuckToBottom) { scrollToLatest(); return; }
      if (unread === 0) { // a new batch: the divider moves to its first message
        divider?.remove();
        divider = el("li", "unread-divider");
        divider.append(el("span", "", "New messages"));
        list.insertBefore(divider, items[0]);
        refreshDays();
      }
      unread += items.length;
      showUnread();
    },

    // Run ``insert`` (which adds older messages above) and keep the messages on screen where they were.
    keepPosition(insert) {
      const fromBottom = scroller.scrollHeight - scroller.scrollTop;
      insert();
      refreshDays();
      scroller.scrollTop = scroller.scrollHeight - fromBottom;
    },

    // The reader sent a message: like every chat, show it.
    sent() {
      scrollToLatest();
    },
  };
}
