// Crisis lines as the room shows them (the private support card, the worried-peer card): name, contact, and
// every number as a tel: or sms: link, from the server's ``links``. Text only, never HTML.
import { button } from "./dom.js";

const SAFE_LINK = /^(tel:|sms:|https:\/\/)/;

export function resourceList(resources) {
  const list = document.createElement("ul");
  for (const resource of resources) {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = resource.name;
    item.append(name, ": " + resource.contact);
    for (const { href, label } of resource.links || []) {
      if (!SAFE_LINK.test(href)) continue;
      item.append(" ", anchor(href, label, "crisis-link"));
    }
    if (resource.url && /^https:\/\//.test(resource.url)) {
      const site = anchor(resource.url, "website");
      site.rel = "noopener";
      site.target = "_blank";
      item.append(" (", site, ")");
    }
    list.append(item);
  }
  return list;
}

function anchor(href, text, className = "") {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  if (className) a.className = className;
  return a;
}

// "If a message here worries you": quiet (a status, not an alert; focus stays where it is; the advice folded
// away until opened), closable, and it names no one: the frame carries no author and no message.
export function showWorriedCard(root, frame) {
  document.getElementById("worried-card")?.remove();
  const card = document.createElement("section");
  card.id = "worried-card";
  card.className = "card notice-card worried-card";
  card.setAttribute("role", "status");
  card.setAttribute("aria-labelledby", "worried-title");
  const title = document.createElement("h2");
  title.id = "worried-title";
  title.textContent = frame.title;
  const text = document.createElement("p");
  text.textContent = frame.message;
  const more = document.createElement("details");
  const summary = document.createElement("summary");
  summary.textContent = "How to respond, and how to tell a moderator";
  const steps = document.createElement("ul");
  for (const step of frame.steps) {
    const li = document.createElement("li");
    li.textContent = step;
    steps.append(li);
  }
  more.append(summary, steps, resourceList(frame.resources));
  card.append(title, text, more, button("Close", () => card.remove()));
  root.prepend(card);
}
