/* The fill-in page without a framework. Everything here is an extra: the page works without it.
   - keeps the progress bar and the count of unanswered required questions up to date;
   - opens the submit confirmation as a dialog without touching the address bar;
   - warns before leaving with unsaved answers, and ignores a second click on submit. */
(function () {
  "use strict";
  var form = document.querySelector("[data-survey-form]");
  if (!form) return;

  var questions = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
  var bar = form.querySelector("[data-progress-bar]");
  var meter = form.querySelector("[data-progress]");
  var text = form.querySelector("[data-progress-text]");
  var missingBox = form.querySelector("[data-confirm-missing]");
  var missingCount = form.querySelector("[data-missing-count]");
  var dialog = document.getElementById("confirm-submit");
  var dirty = false;
  var sending = false;

  function isAnswered(question) {
    if (question.querySelector("input[type=radio]:checked")) return true;
    var field = question.querySelector("input[type=number], textarea");
    return !!(field && field.value.trim() !== "");
  }

  function refresh() {
    var answered = 0;
    var missing = 0;
    questions.forEach(function (question) {
      if (isAnswered(question)) answered += 1;
      else if (question.hasAttribute("data-required")) missing += 1;
    });
    var total = questions.length;
    if (bar) bar.style.width = (total ? Math.round((100 * answered) / total) : 0) + "%";
    if (meter) meter.setAttribute("aria-valuenow", String(answered));
    if (text) text.textContent = text.textContent.replace(/\d+(\s*\/\s*\d+)/, answered + "$1");
    if (missingCount) missingCount.textContent = String(missing);
    if (missingBox) missingBox.hidden = missing === 0;
  }

  function openDialog(event) {
    if (!dialog) return;
    event.preventDefault();
    refresh();
    dialog.classList.add("is-open");
    var confirm = dialog.querySelector("[data-confirm-submit]");
    if (confirm) confirm.focus();
  }

  function closeDialog(event) {
    if (!dialog) return;
    if (event) event.preventDefault();
    dialog.classList.remove("is-open");
    var opener = form.querySelector("[data-open-confirm]");
    if (opener) opener.focus();
  }

  form.addEventListener("change", function () { dirty = true; refresh(); });
  form.addEventListener("input", function () { dirty = true; refresh(); });
  form.addEventListener("submit", function (event) {
    if (sending) { event.preventDefault(); return; }
    sending = true;
    dirty = false;
  });
  window.addEventListener("pageshow", function () { sending = false; });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty) return undefined;
    event.preventDefault();
    event.returnValue = "";
    return "";
  });

  Array.prototype.forEach.call(form.querySelectorAll("[data-open-confirm]"), function (link) {
    link.addEventListener("click", openDialog);
  });
  Array.prototype.forEach.call(form.querySelectorAll("[data-close-confirm]"), function (link) {
    link.addEventListener("click", closeDialog);
  });
  if (dialog) {
    dialog.addEventListener("click", function (event) { if (event.target === dialog) closeDialog(event); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && dialog.classList.contains("is-open")) closeDialog(event);
    });
  }
  refresh();
})();
