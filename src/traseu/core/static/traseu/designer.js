// The process designer: line numbers beside the YAML, problems that jump to their line, version
// pickers that submit themselves, and publish refusals (403, 409) shown in the check panel.
(function () {
  "use strict";

  function lineCount(text) {
    return text.split("\n").length;
  }

  function renumber(textarea, gutter) {
    var count = lineCount(textarea.value);
    if (gutter.dataset.count !== String(count)) {
      var numbers = [];
      for (var n = 1; n <= count; n++) numbers.push(n);
      gutter.textContent = numbers.join("\n") + "\n";
      gutter.dataset.count = String(count);
    }
    gutter.scrollTop = textarea.scrollTop;
  }

  function goToLine(textarea, line) {
    var lines = textarea.value.split("\n");
    line = Math.max(1, Math.min(line, lines.length));
    var start = 0;
    for (var i = 0; i < line - 1; i++) start += lines[i].length + 1;
    textarea.focus();
    textarea.setSelectionRange(start, start + lines[line - 1].length);
    var height = parseFloat(getComputedStyle(textarea).lineHeight) || 19;
    textarea.scrollTop = Math.max(0, (line - 4) * height);
  }

  function enableEditor() {
    var textarea = document.getElementById("yaml");
    var gutter = document.getElementById("gutter");
    if (!textarea || !gutter) return;
    var update = function () { renumber(textarea, gutter); };
    textarea.addEventListener("input", update);
    textarea.addEventListener("scroll", update);
    update();
    document.addEventListener("click", function (event) {
      var problem = event.target.closest("button.problem[data-line]");
      var line = problem && parseInt(problem.dataset.line, 10);
      if (line) goToLine(textarea, line);
    });
  }

  function enableAutosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.requestSubmit(); });
    });
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
  }

  // The page's HTMX setup swaps 2xx and 422 answers only; the editor's refusals (not allowed,
  // published meanwhile) are answers to show too.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if ((status === 403 || status === 409) && event.detail.elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    enableEditor();
    enableAutosubmit();
  });
})();
