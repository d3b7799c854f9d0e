// The one reconnecting WebSocket for the live pages (room, moderation): protocol v1 (docs/protocol.md).
// After a close it reconnects with exponential back-off (0.5 s, 1 s, 2 s … up to 30 s) and jitter, so a
// restarted server is not stampeded by every tab at once, unless the page says the close code is final.
//
// Close codes (core/errors.py): 4401 not signed in, 4403 forbidden, 4404 no such room are the server's
// refusals; each page decides what they mean for it. 4408 (sign-in or role changed) and 4429 (too many
// sockets open for this account) always reconnect: the handshake decides afresh, and closing another tab
// lets this one in.

export const CLOSE_NOT_LOGGED_IN = 4401;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_NO_SUCH_ROOM = 4404;
export const CLOSE_ACCESS_CHANGED = 4408;
export const CLOSE_TOO_MANY_SOCKETS = 4429;

const MAX_DELAY_MS = 30000;
const FIRST_DELAY_MS = 500;

// What a page shows while it waits to reconnect after a close with this code.
export function reconnectingText(code) {
  return code === CLOSE_TOO_MANY_SOCKETS
    ? "too many MedPeer tabs open: close one and this one reconnects"
    : "reconnecting…";
}

// Delay before the retry-th reconnect (0-based): exponential, capped, then scaled by a random 0.5–1.
export function backoffDelay(retry) {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** retry) * (0.5 + Math.random() / 2);
}

// Open a socket to `path()` (called on each attempt, so it can carry state such as after_seq) and keep it
// open. Callbacks: onConnecting() before each attempt, onOpen(), onFrame(parsed JSON frame),
// onFinal(code) -> true when the page treats this close code as final (no reconnect), and
// onReconnecting(code) when a reconnect is scheduled. Returns {send(frame)}: a frame is sent only while
// the socket is open (the pages resend what matters after the next open).
export function reconnectingSocket(path, { onConnecting, onOpen, onFrame, onFinal, onReconnecting } = {}) {
  let socket = null;
  let retry = 0;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${path()}`);
    onConnecting?.();
    socket.addEventListener("open", () => { retry = 0; onOpen?.(); });
    socket.addEventListener("message", (event) => onFrame?.(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (onFinal?.(event.code)) return;
      const delay = backoffDelay(retry);
      retry += 1;
      onReconnecting?.(event.code);
      setTimeout(connect, delay);
    });
  }

  connect();
  return {
    send(frame) {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    },
  };
}
