(function () {
  "use strict";
  var toggles = Array.prototype.slice.call(document.querySelectorAll("input.fw-toggle"));
  var folds = Array.prototype.slice.call(document.querySelectorAll("details.fw-fold"));
  var box = document.querySelector(".fw-toggles");
  if (box) { box.hidden = false; }
  function folded() {
    var on = {};
    toggles.forEach(function (t) { on[t.value] = t.checked; });
    return on;
  }
  function apply() {
    var on = folded();
    folds.forEach(function (d) {
      var ws = (d.getAttribute("data-warnings") || "").split(" ");
      var keep = ws.some(function (w) { return on[w] !== false; });
      d.open = !keep;
    });
  }
  toggles.forEach(function (t) { t.addEventListener("change", apply); });
  function setAll(v) { toggles.forEach(function (t) { t.checked = v; }); apply(); }
  var u = document.getElementById("fw-unfold-all");
  var f = document.getElementById("fw-fold-all");
  if (u) { u.addEventListener("click", function () { setAll(false); }); }
  if (f) { f.addEventListener("click", function () { setAll(true); }); }
})();
