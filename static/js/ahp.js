/* AHP page: the cells below the diagonal follow the selects above it (the judgement's reciprocal). */
(function () {
  "use strict";
  function reciprocal(value) {
    if (value === "1") { return "1"; }
    return value.indexOf("1/") === 0 ? value.slice(2) : "1/" + value;
  }
  document.querySelectorAll("select[data-cell]").forEach(function (select) {
    var mirror = document.querySelector('[data-mirror="' + select.getAttribute("data-cell") + '"]');
    if (!mirror) { return; }
    select.addEventListener("change", function () { mirror.textContent = reciprocal(select.value); });
  });
})();
