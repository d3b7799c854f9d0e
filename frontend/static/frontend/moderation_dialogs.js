// The dashboard's one action dialog (a real <dialog>, never window.prompt): a title, a line of help, the fields
// an action needs; ask() resolves with the values, trimmed, or null when cancelled (Cancel, Escape).
import { el } from "./dom.js";

const dialog = document.getElementById("action-dialog");
const form = document.getElementById("action-form");
const fieldsBox = document.getElementById("action-fields");
let settle = null; // resolves the pending ask()

function field(spec, index) {
  const id = `action-field-${index}`;
  const label = el("label", "", spec.label);
  label.htmlFor = id;
  let input;
  if (spec.kind === "select") {
    input = el("select");
    for (const option of spec.options) {
      const node = el("option", "", option.label);
      node.value = option.value;
      input.append(node);
    }
  } else if (spec.kind === "number") {
    input = el("input");
    input.type = "number";
    if (spec.min !== undefined) input.min = String(spec.min);
    if (spec.max !== undefined) input.max = String(spec.max);
    input.step = "1";
  } else {
    input = el("textarea");
    input.rows = 3;
    input.maxLength = 2000;
  }
  input.id = id;
  input.name = spec.name;
  input.required = Boolean(spec.required);
  if (spec.value !== undefined) input.value = spec.value;
  return [label, input];
}

function finish(values) {
  const done = settle;
  settle = null;
  if (dialog.open) dialog.close();
  done?.(values);
}

export function ask({ title, help = "", submit, fields }) {
  finish(null); // a dialog left open by an earlier action is cancelled
  document.getElementById("action-title").textContent = title;
  document.getElementById("action-help").textContent = help;
  document.getElementById("action-submit").textContent = submit;
  fieldsBox.replaceChildren(...fields.flatMap(field));
  dialog.showModal();
  return new Promise((resolve) => { settle = resolve; });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const values = {};
  for (const input of fieldsBox.querySelectorAll("input, select, textarea")) {
    values[input.name] = input.value.trim();
    // A required reason of spaces only is no reason: say so where it is typed.
    if (input.required && !values[input.name]) { input.setCustomValidity("Please fill this in."); input.reportValidity(); input.setCustomValidity(""); return; }
  }
  finish(values);
});
document.getElementById("action-cancel").addEventListener("click", () => finish(null));
dialog.addEventListener("close", () => finish(null));
