// dossier: the little script the pages use. Loaded from this server only (the
// Content-Security-Policy forbids inline scripts); the pages work without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Article page: turn highlight layers (quotes, speakers, cues, claims, flags) on and off.
  document.querySelectorAll("#layers input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-" + box.dataset.layer, !box.checked);
    });
  });
  // Flags page: apply a filter as soon as it is chosen.
  document.querySelectorAll("form.filters select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
});
