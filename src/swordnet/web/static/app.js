// SwordNet's pages: the CSRF token on every HTMX request, and keyboard shortcuts that a
// page declares with data-key attributes (e.g. <button data-key="c">).
(function () {
  "use strict";
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) return;
    var key = event.key;
    var scope = document.querySelector("[data-keys-scope].selected") || document;
    var el = scope.querySelector('[data-key="' + CSS.escape(key) + '"]') || document.querySelector('[data-key="' + CSS.escape(key) + '"]');
    if (el) {
      event.preventDefault();
      if (el.tagName === "A" || el.tagName === "BUTTON") { el.click(); } else { el.focus(); }
    }
  });
})();
