// How the pages call the JSON API: same-origin session cookie, and Django's CSRF token on every write.

export function csrfToken() {
  return document.cookie.split("; ").find((c) => c.startsWith("csrftoken="))?.split("=")[1] ?? "";
}

// Send a JSON body (or none) and return {ok, reply} with the parsed JSON answer.
export async function sendJson(url, body, method = "POST") {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { ok: response.ok, reply: await response.json() };
}
