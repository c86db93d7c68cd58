// Behaviours declared with data attributes. The Content-Security-Policy refuses inline
// handlers (onclick, hx-on), which would need 'unsafe-inline' or 'unsafe-eval'; these do
// the same from a static file.
(function () {
  "use strict";
  // data-swap-errors="400 429": inside this element, an htmx response with one of these
  // statuses is swapped in like a success (it carries the form with its messages).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var scope = event.target.closest && event.target.closest("[data-swap-errors]");
    if (!scope) return;
    var statuses = scope.getAttribute("data-swap-errors").split(/\s+/);
    if (statuses.indexOf(String(event.detail.xhr.status)) === -1) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });
  document.addEventListener("click", function (event) {
    // data-remove-closest="form": the button takes that ancestor away (a cancelled inline form).
    var remover = event.target.closest("[data-remove-closest]");
    if (remover) {
      var doomed = remover.closest(remover.getAttribute("data-remove-closest"));
      if (doomed) doomed.remove();
      return;
    }
    if (event.target.closest("[data-print]")) window.print();
  });
  // data-select-on-focus: a read-only field whose whole value is selected, ready to copy.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-select-on-focus]")) {
      event.target.select();
    }
  });
})();
