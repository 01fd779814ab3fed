// Modelyard console: progressive enhancement only; every form works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Delete: the button wakes up once the id is typed exactly (the server checks it anyway).
  for (const input of document.querySelectorAll("input[data-confirms]")) {
    const button = input.form && input.form.querySelector("[data-confirm-button]");
    if (!button) continue;
    const sync = () => { button.disabled = input.value.trim() !== input.dataset.confirms; };
    input.addEventListener("input", sync);
    sync();
  }
  // A new key's secret: selected on focus, with a button that copies it.
  for (const field of document.querySelectorAll("input[data-copy]")) {
    field.addEventListener("focus", () => field.select());
    if (!navigator.clipboard) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    button.textContent = "Copy key";
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
    });
    field.after(button);
  }
});
