// The welcome step offers the browser's time zone instead of the UTC default: a newcomer's
// meeting times and digest hour are then right without them hunting through 400 zones.
// The choice is shown beside the field, so it is never changed unseen; saving is still theirs.
(function () {
  "use strict";
  var select = document.querySelector("select[data-browser-zone]");
  if (!select) return;
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone || zone === select.value) return;
  var known = Array.prototype.some.call(select.options, function (option) {
    return option.value === zone;
  });
  if (!known) return;
  select.value = zone;
  var note = document.createElement("span");
  note.className = "help";
  note.id = select.id + "_browserzone";
  note.textContent = "Set to your browser's time zone, " + zone + ". Change it if you work in another.";
  select.insertAdjacentElement("afterend", note);
  var described = select.getAttribute("aria-describedby");
  select.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
})();
