// "Get help now" is one tap away on every page.
const panel = document.getElementById("help");
for (const toggle of document.querySelectorAll("[data-help-toggle]")) {
  toggle.addEventListener("click", (event) => {
    event.preventDefault();
    panel.hidden = !panel.hidden;
    if (!panel.hidden) panel.querySelector("h2").focus?.();
  });
}
