// @mention suggestions for every [data-mentions] textarea on the page (also ones loaded by htmx later).
(function () {
  "use strict";
  var WORD = /(^|\s)@([a-z0-9._-]{1,40})$/i;
  function box(textarea) { return document.getElementById(textarea.id + "_mentions"); }
  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!textarea.matches || !textarea.matches("textarea[data-mentions]") || !window.htmx) return;
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = before.match(WORD);
    var target = box(textarea);
    if (!target) return;
    if (!match) { target.innerHTML = ""; return; }
    var url = textarea.getAttribute("data-mentions") + "?q=" + encodeURIComponent(match[2]) +
      "&target=" + encodeURIComponent(textarea.id);
    window.htmx.ajax("GET", url, { target: target, swap: "innerHTML" });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-mention]");
    if (!button) return;
    var textarea = document.getElementById(button.getAttribute("data-target"));
    if (!textarea) return;
    var caret = textarea.selectionStart;
    var before = textarea.value.slice(0, caret).replace(/@[a-z0-9._-]*$/i, "");
    var inserted = "@" + button.getAttribute("data-insert-mention") + " ";
    textarea.value = before + inserted + textarea.value.slice(caret);
    var position = before.length + inserted.length;
    textarea.focus();
    textarea.setSelectionRange(position, position);
    box(textarea).innerHTML = "";
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
