// The review queue by keyboard: j/k move, Enter opens, c confirms, d dismisses and a
// authorises (both ask for a reason), x selects, Shift+C confirms the selection, / focuses
// the site filter, ? shows the help. Decisions go through the rows' HTMX forms.
(function () {
  "use strict";
  var messages = document.getElementById("review-messages");
  function msg(name) { return messages ? messages.getAttribute("data-msg-" + name) : ""; }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-queue] tr[data-row]")); }
  var current = 0;
  function select(index) {
    var all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === current); });
    all[current].scrollIntoView({ block: "nearest" });
  }
  function row() { return rows()[current]; }
  function askReason(form) {
    var reason = window.prompt(msg("reason"));
    if (reason === null || !reason.trim()) return false;
    form.querySelector("[data-reason]").value = reason.trim();
    return true;
  }
  // buttons that need a reason ask for it, whether clicked or pressed
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-needs-reason]") : null;
    if (!button) return;
    if (button.form && button.form.id === "bulk" && !selectedCount()) { event.preventDefault(); window.alert(msg("none")); return; }
    if (!askReason(button.form)) event.preventDefault();
  }, true);
  function selectedCount() { return document.querySelectorAll("[data-select]:checked").length; }
  function showCount() {
    var out = document.querySelector("[data-selected-count]");
    if (out) out.textContent = String(selectedCount());
  }
  document.addEventListener("change", function (event) { if (event.target.matches("[data-select]")) showCount(); });
  document.addEventListener("htmx:afterSwap", function () { select(current); showCount(); });
  document.addEventListener("htmx:afterSettle", function () { showCount(); });
  document.addEventListener("htmx:responseError", function (event) {
    window.alert(msg("failed") + " " + (event.detail.xhr.status || ""));
  });
  function decide(kind) {
    var r = row();
    if (!r) return;
    var button = r.querySelector('[data-decide="' + kind + '"]');
    if (button) button.click();
    select(current + 1);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var t = event.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) {
      if (event.key === "Escape") t.blur();
      return;
    }
    var handled = true;
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "Enter": if (row()) window.location.href = row().getAttribute("data-href"); break;
      case "c": decide("confirm"); break;
      case "d": decide("dismiss"); break;
      case "a": decide("authorise"); break;
      case "x":
        var box = row() && row().querySelector("[data-select]");
        if (box) { box.checked = !box.checked; showCount(); }
        break;
      case "C":
        if (!selectedCount()) { window.alert(msg("none")); break; }
        var bulk = document.querySelector('[data-bulk="confirm"]');
        if (bulk) bulk.click();
        break;
      case "/": var f = document.getElementById("filter-site"); if (f) f.focus(); break;
      case "?": toggleHelp(); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); event.stopImmediatePropagation(); }
  }, true);
  function toggleHelp() {
    var help = document.getElementById("shortcut-help");
    if (help) help.hidden = !help.hidden;
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-help-toggle]")) toggleHelp();
  });
  select(0);
})();
