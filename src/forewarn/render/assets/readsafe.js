(function () {
  "use strict";
  // Per-warning toggles for the read-safely page. Without this script every flagged
  // passage simply stays folded in its <details>; with it, the reader can unfold all
  // passages of one warning at once. A toggle only touches the passages that carry its
  // warning, so passages the reader opened or closed by hand keep their state.
  var box = document.getElementById("fw-toggles");
  var toggles = Array.prototype.slice.call(document.querySelectorAll("input.fw-toggle"));
  var folds = Array.prototype.slice.call(document.querySelectorAll("details.fw-fold"));
  var status = document.getElementById("fw-status");
  if (!box || toggles.length === 0) { return; }
  box.hidden = false;

  function warningsOf(fold) {
    return (fold.getAttribute("data-warnings") || "").split(" ").filter(Boolean);
  }
  function foldedWarnings() {
    var on = {};
    toggles.forEach(function (t) { on[t.value] = t.checked; });
    return on;
  }
  function report() {
    if (!status) { return; }
    var open = folds.filter(function (d) { return d.open; }).length;
    status.textContent = open + " of " + folds.length + " flagged passages shown.";
  }
  function apply(changed) {
    var on = foldedWarnings();
    folds.forEach(function (fold) {
      var ws = warningsOf(fold);
      if (changed && ws.indexOf(changed) < 0) { return; }
      fold.open = !ws.some(function (w) { return on[w] !== false; });
    });
    report();
  }
  toggles.forEach(function (t) {
    t.addEventListener("change", function () { apply(t.value); });
  });
  function setAll(checked) {
    toggles.forEach(function (t) { t.checked = checked; });
    apply(null);
  }
  var showAll = document.getElementById("fw-unfold-all");
  var foldAll = document.getElementById("fw-fold-all");
  if (showAll) { showAll.addEventListener("click", function () { setAll(false); }); }
  if (foldAll) { foldAll.addEventListener("click", function () { setAll(true); }); }
  folds.forEach(function (fold) { fold.addEventListener("toggle", report); });
})();
