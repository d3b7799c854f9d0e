// Room guidelines open once, on the first visit to a room (the server knows: no membership yet), and stay
// folded to one line after that, on this device too: the conversation is what a returning member came for.
// localStorage remembers it per room, so a second tab or a visit before the membership was stored agrees.

const slug = document.getElementById("room").dataset.slug;
const guidelines = document.getElementById("guidelines");
const seenKey = `medpeer-guidelines-seen:${slug}`;

try {
  if (localStorage.getItem(seenKey)) guidelines.open = false;
  else if (guidelines.open) localStorage.setItem(seenKey, "1");
} catch { /* storage disabled: the server's first-visit flag alone decides */ }
