// Building elements: the one way the pages make an element or a button. Text goes in as textContent,
// never as HTML.

// An element with an optional class and text.
export function el(tag, className = "", text = undefined) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A button (type="button", so it never submits a form) with its label and click handler.
export function button(label, onClick, className = "") {
  const b = el("button", className, label);
  b.type = "button";
  if (onClick) b.addEventListener("click", onClick);
  return b;
}
