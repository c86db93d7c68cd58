// Where keyboard focus goes after a partial update or a jump to a permalink. Without this,
// swapping out the focused button drops focus to the top of the page, and a keyboard or
// screen-reader user has to find their place again.
//
// - htmx itself moves focus to the new element with the focused element's id: buttons that
//   are swapped for a new version of themselves (Helpful, Follow, RSVP) carry a stable id.
// - Otherwise, when the swap took the focused element away, the new content's
//   [data-focus-after-swap] element gets focus (a status line, with tabindex="-1").
// - A flag sent from a thread's "Flag" menu closes the menu, leaves the thanks beside its
//   button (instead of a panel open over the next reply) and puts focus back on the button.
// - An inline reply form, once loaded under its reply, takes focus in its text box.
// - A form sent back with errors (its button replaced) focuses the first invalid field or the
//   error message, which is where the person has to go next.
// - Arriving at a permalink (#reply-12, as after posting a reply) focuses what it points at.
(function () {
  "use strict";

  function focusQuietly(element) {
    if (!element.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: true });
  }

  function focusWasLost() {
    var active = document.activeElement;
    return !active || active === document.body || !active.isConnected;
  }

  function closeFlagMenu(box) {
    var menu = box.closest("details");
    if (!menu) return false;
    var thanks = box.querySelector("[data-flag-sent]");
    var summary = menu.querySelector("summary");
    var status = menu.nextElementSibling;
    if (!status || !status.hasAttribute("data-flag-status")) {
      status = document.createElement("span");
      status.className = "flag-status small";
      status.setAttribute("role", "status");
      status.setAttribute("data-flag-status", "");
      menu.insertAdjacentElement("afterend", status);
    }
    var words = thanks.textContent.trim();
    // Reopening the menu says it is done, rather than offering the form or the thanks again.
    box.innerHTML = "";
    var done = document.createElement("p");
    done.className = "small";
    done.textContent = "You flagged this. The moderators have your reason.";
    box.appendChild(done);
    menu.open = false;
    summary.focus();
    // Filled after it is in the page, so screen readers announce it.
    window.setTimeout(function () { status.textContent = words; }, 50);
    return true;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.target;
    if (!(swapped instanceof Element) || !swapped.isConnected) return;
    if (swapped.querySelector("[data-flag-sent]") && closeFlagMenu(swapped)) return;
    if (swapped.matches(".reply-slot")) {
      var box = swapped.querySelector("textarea");
      if (box) box.focus();
      return;
    }
    if (!focusWasLost()) return;
    var next = swapped.matches("[data-focus-after-swap]")
      ? swapped
      : swapped.querySelector(
          "[data-focus-after-swap], [aria-invalid='true'], .field-error textarea, .field-error input, [role='alert']"
        );
    if (next) focusQuietly(next);
  });

  function focusFragmentTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) return;
    var target = document.getElementById(id);
    if (target && target !== document.activeElement) focusQuietly(target);
  }
  // Deferred scripts run once the document is parsed, before the browser scrolls to the fragment.
  focusFragmentTarget();
})();
