// What a member does with a message beyond reading it: react, reply, and edit or delete their own
// (docs/protocol.md, "Changing messages"). room.js renders messages and calls in here through a few hooks:
// decorate() while rendering, handle() for the frames this module owns, takeReply() when sending.
// Everything is built with textContent: nothing anyone sends is parsed as HTML.

import { button, el } from "./dom.js";

// The protocol's reaction names and what they look like (rooms/protocol.py REACTIONS).
export const REACTIONS = [
  ["heart", "❤️", "heart"],
  ["hug", "🤗", "hug"],
  ["pray", "🙏", "thank you"],
  ["strong", "💪", "strength"],
  ["me_too", "me too", "me too"],
];

const DEFAULT_EDIT_WINDOW_SECONDS = 15 * 60;

function loadStyles() {
  // A stylesheet of its own (the page's CSP allows only same-origin styles), next to this module.
  if (document.querySelector("link[data-message-actions]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("./message_actions.css", import.meta.url).href;
  link.dataset.messageActions = "";
  document.head.append(link);
}

// ``send(frame)`` sends on the room socket; ``form`` and ``input`` are the composer; ``showError`` shows a
// refusal; ``liFor(seq)`` finds a shown message's <li>.
export function createMessageActions({ send, form, input, showError, liFor }) {
  loadStyles();
  const mine = new Set(); // seqs of my own messages (from history's "mine" and from acks)
  const reactionState = new Map(); // seq -> {counts: {kind: n}, mine: Set(kind)}
  const shown = new Map(); // seq -> the last message object rendered (for quotes and edits)
  let editWindowSeconds = DEFAULT_EDIT_WINDOW_SECONDS;
  let replyingTo = null; // the message object being replied to
  const listeners = { ownSeq: [] };

  const replyBanner = el("div", "reply-banner");
  replyBanner.hidden = true;
  replyBanner.setAttribute("role", "status");
  form.before(replyBanner);

  function isMine(seq) {
    return mine.has(seq);
  }

  // Other tabs of this room in this browser learn our new seqs at once (live frames carry no "mine"; another
  // device learns them from history on its next load).
  const tabs = "BroadcastChannel" in window ? new BroadcastChannel(`medpeer-mine-${location.pathname}`) : null;
  if (tabs) tabs.onmessage = (event) => { if (Number.isInteger(event.data)) markMine(event.data, false); };

  function markMine(seq, tellOtherTabs = true) {
    if (seq == null || mine.has(seq)) return;
    mine.add(seq);
    if (tellOtherTabs) tabs?.postMessage(seq);
    for (const listener of listeners.ownSeq) listener(seq);
    const li = liFor(seq);
    const message = shown.get(seq);
    if (li && message) refreshActions(li, message);
  }

  function rememberReactions(message) {
    const state = reactionState.get(message.seq) || { counts: {}, mine: new Set() };
    if ("my_reactions" in message) { // built for this viewer (history, replay): it is the whole truth
      state.counts = message.reactions || {};
      state.mine = new Set(message.my_reactions);
    } else if ("reactions" in message) {
      state.counts = message.reactions;
    } // a live frame without counts (a new message, an edit) leaves what we know as it is
    if (message.deleted) { state.counts = {}; state.mine = new Set(); }
    reactionState.set(message.seq, state);
    return state;
  }

  function authorName(author) {
    return author.name;
  }

  function snippet(text, length = 140) {
    const flat = text.split(/\s+/).join(" ").trim();
    return flat.length > length ? flat.slice(0, length - 1).trimEnd() + "…" : flat;
  }

  // The short quote a reply shows; its link scrolls to the original when it is on the page.
  function quoteNode(quote) {
    const box = el("blockquote", "reply-quote");
    box.dataset.quotes = String(quote.seq);
    if (quote.unavailable) {
      box.append(el("span", "unavailable", "Replying to a message that is no longer available"));
      return box;
    }
    const link = el("a", "reply-link", `↩ ${authorName(quote.author)}`);
    link.href = `#message-${quote.seq}`;
    link.setAttribute("aria-label", `Go to the message from ${quote.author.name} this replies to`);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      scrollToMessage(quote.seq);
    });
    box.append(link, ": ", el("span", "snippet", quote.snippet));
    return box;
  }

  function scrollToMessage(seq) {
    const target = liFor(seq);
    if (!target) {
      showError("That message is further back: load older messages to see it.");
      return;
    }
    target.scrollIntoView({ block: "center" });
    target.classList.add("highlighted");
    target.tabIndex = -1;
    target.focus({ preventScroll: true });
    setTimeout(() => target.classList.remove("highlighted"), 2000);
  }

  // Reactions someone gave are shown with their counts; the full set opens from "React" (the picker), so a
  // long conversation is not a wall of buttons.
  const openPickers = new Set(); // seqs whose full set of reactions is open

  function reactionBar(message) {
    const state = reactionState.get(message.seq) || { counts: {}, mine: new Set() };
    const open = openPickers.has(message.seq);
    const bar = el("div", "reactions");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Reactions");
    for (const [kind, face, label] of REACTIONS) {
      const count = state.counts[kind] || 0;
      if (!count && !open) continue;
      const pressed = state.mine.has(kind);
      const b = button(count ? `${face} ${count}` : face, () => {
        openPickers.delete(message.seq);
        send({ type: "reaction.set", seq: message.seq, reaction: kind, on: !state.mine.has(kind) });
      }, "reaction" + (pressed ? " mine" : "") + (count ? " counted" : ""));
      b.dataset.reaction = kind;
      b.setAttribute("aria-pressed", String(pressed));
      b.setAttribute("aria-label", `${label}: ${count} ${count === 1 ? "reaction" : "reactions"}${pressed ? ", including yours" : ""}`);
      bar.append(b);
    }
    const picker = button(open ? "Close" : "React", () => {
      if (openPickers.has(message.seq)) openPickers.delete(message.seq);
      else openPickers.add(message.seq);
      const fresh = reactionBar(message);
      bar.replaceWith(fresh);
      fresh.querySelector(open ? ".react-toggle" : "button.reaction")?.focus();
    }, "react-toggle");
    picker.setAttribute("aria-expanded", String(open));
    picker.setAttribute("aria-label", open ? "Close reactions" : "Add a reaction");
    bar.append(picker);
    return bar;
  }

  function withinEditWindow(message) {
    return Date.now() - new Date(message.sent_at).getTime() < editWindowSeconds * 1000;
  }

  function actionButtons(message) {
    const box = el("div", "message-actions");
    box.append(button("Reply", () => startReply(message), "reply"));
    if (isMine(message.seq) && message.state !== "held") {
      if (withinEditWindow(message)) box.append(button("Edit", () => startEdit(message), "edit"));
    }
    if (isMine(message.seq)) {
      box.append(button("Delete", () => {
        if (window.confirm("Delete this message? Others will see that a message was deleted.")) {
          send({ type: "message.delete", seq: message.seq });
        }
      }, "delete"));
    }
    return box;
  }

  function refreshActions(li, message) {
    li.querySelector(".message-actions")?.replaceWith(actionButtons(message));
    dropOwnReport(li, message);
  }

  // Your own messages get no Report button (the server refuses it anyway: forbidden), nor do tombstones.
  function dropOwnReport(li, message) {
    if (!isMine(message.seq) && !message.deleted) return;
    for (const b of li.querySelectorAll(".head button")) if (b.textContent === "Report") b.remove();
  }

  // The quote of ``message`` as a reply shows it now (the server's protocol.reply_quote, for live changes).
  function quoteOf(message) {
    if (message.deleted || message.state) return { seq: message.seq, unavailable: true };
    return { seq: message.seq, author: message.author, snippet: snippet(message.body) };
  }

  // An edited or deleted message: the replies on screen that quote it show it as it is now.
  function refreshQuotesOf(message) {
    for (const old of document.querySelectorAll(`.reply-quote[data-quotes="${message.seq}"]`)) {
      old.replaceWith(quoteNode(quoteOf(message)));
    }
  }

  // A message taken off the screen (held or removed by moderation): its quotes say it is unavailable.
  function forget(seq) {
    for (const old of document.querySelectorAll(`.reply-quote[data-quotes="${seq}"]`)) {
      old.replaceWith(quoteNode({ seq, unavailable: true }));
    }
  }

  // Called by room.js for each rendered message <li> (new, or re-rendered after a change).
  function decorate(li, message) {
    const previous = shown.get(message.seq);
    shown.set(message.seq, message);
    if (previous && (previous.body !== message.body || message.deleted || message.state)) refreshQuotesOf(message);
    if (message.mine && !mine.has(message.seq)) {
      mine.add(message.seq);
      for (const listener of listeners.ownSeq) listener(message.seq);
    }
    li.id = `message-${message.seq}`;
    rememberReactions(message);
    dropOwnReport(li, message);
    const body = li.querySelector(".body");
    if (message.deleted) {
      li.classList.add("deleted");
      if (body) { body.textContent = "message deleted"; body.classList.add("tombstone"); }
      return;
    }
    if (message.edited_at) {
      const head = li.querySelector(".head");
      const label = el("span", "edited", " · edited");
      label.title = `edited ${new Date(message.edited_at).toLocaleString()}`;
      head?.querySelector("time")?.after(label);
    }
    if (message.reply_to) body?.before(quoteNode(message.reply_to));
    if (message.state === "held") return; // only its author sees it; nothing to react or reply to yet
    li.append(reactionBar(message), actionButtons(message));
  }

  function startReply(message) {
    replyingTo = message;
    replyBanner.replaceChildren(
      el("span", "", `Replying to ${authorName(message.author)}: `),
      el("span", "snippet", snippet(message.body, 80)),
      " ",
      button("Cancel reply", () => cancelReply(), "cancel-reply"),
    );
    replyBanner.hidden = false;
    input.focus();
  }

  function cancelReply() {
    replyingTo = null;
    replyBanner.hidden = true;
    replyBanner.replaceChildren();
  }

  // The fields a message.send gets from this module (the reply), taken once.
  function takeReply() {
    const seq = replyingTo ? replyingTo.seq : null;
    cancelReply();
    return seq;
  }

  function startEdit(message) {
    const li = liFor(message.seq);
    if (!li || li.querySelector(".edit-form")) return;
    const body = li.querySelector(".body");
    const editor = el("form", "edit-form");
    const label = el("label", "visually-hidden", "Edit your message");
    const area = document.createElement("textarea");
    area.id = `edit-${message.seq}`;
    label.htmlFor = area.id;
    area.value = message.body;
    area.maxLength = 4000;
    area.rows = 2;
    const status = el("span", "status");
    status.setAttribute("role", "status");
    const save = el("button", "", "Save");
    save.type = "submit";
    editor.append(label, area, save, " ", button("Cancel", () => { editor.remove(); body.hidden = false; }), " ", status);
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!area.value.trim()) { status.textContent = "A message cannot be empty: delete it instead."; return; }
      status.textContent = "saving…";
      send({ type: "message.edit", seq: message.seq, body: area.value });
    });
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); editor.requestSubmit(); }
      if (event.key === "Escape") { editor.remove(); body.hidden = false; }
    });
    body.hidden = true;
    body.after(editor);
    area.focus();
  }

  function editStatus(seq, text) {
    const status = liFor(seq)?.querySelector(".edit-form .status");
    if (status) status.textContent = text;
    else if (text) showError(text);
  }

  function applyReactions(frame) {
    const state = reactionState.get(frame.seq) || { counts: {}, mine: new Set() };
    state.counts = frame.counts;
    if (frame.mine) state.mine = new Set(frame.mine);
    reactionState.set(frame.seq, state);
    const li = liFor(frame.seq);
    const message = shown.get(frame.seq);
    if (li && message && !message.deleted) li.querySelector(".reactions")?.replaceWith(reactionBar(message));
  }

  // Frames this module owns; returns whether it handled the frame.
  function handle(frame) {
    switch (frame.type) {
      case "reactions": applyReactions(frame); return true;
      case "message.edit.ack":
        if (frame.status === "blocked") editStatus(frame.seq, "Not saved: " + (frame.reason || "not allowed here"));
        else if (frame.status === "held") editStatus(frame.seq, "Shared with a moderator before it appears again.");
        return true;
      case "message.delete.ack": return true;
      case "error":
        if (frame.seq != null) { editStatus(frame.seq, frame.detail); return true; }
        return false;
      default: return false;
    }
  }

  function joined(frame) {
    if (frame.room && frame.room.edit_window_seconds) editWindowSeconds = frame.room.edit_window_seconds;
  }

  return {
    decorate,
    forget,
    handle,
    joined,
    markMine,
    isMine,
    takeReply,
    message: (seq) => shown.get(seq),
    onOwnSeq: (listener) => listeners.ownSeq.push(listener),
  };
}
