// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Close the account menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
  // Expertise suggestions: clicking one completes the last comma-separated entry.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-complete-tag]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-target"));
    if (!input) return;
    var parts = input.value.split(",");
    parts[parts.length - 1] = " " + button.getAttribute("data-complete-tag");
    input.value = parts.map(function (p) { return p.trim(); }).filter(Boolean).join(", ") + ", ";
    input.focus();
    var box = document.getElementById("expertise-suggestions");
    if (box) box.innerHTML = "";
  });
  // A flag form answered 400 (a refusal, with its message) is swapped in like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status !== 400) return;
    if (!event.detail.target.closest || !event.detail.target.closest("[data-flag-box]")) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });
  // "N more replies": once htmx has swapped the branch in, move focus to its first new reply,
  // so keyboard and screen-reader users continue where the link was instead of at the page top.
  document.addEventListener("htmx:load", function (event) {
    var target = event.target.matches && event.target.matches("[data-focus-on-load]")
      ? event.target
      : event.target.querySelector && event.target.querySelector("[data-focus-on-load]");
    if (!target) return;
    target.removeAttribute("data-focus-on-load");
    target.focus();
  });
})();
