// The pipeline board: drag a card to another column to move the deal through its gate.
// The server answers with the whole board re-rendered: an accepted move shows the card in its
// new column; a refused one shows it back where it was, with the checklist of what is missing.
(function () {
  "use strict";

  function moveTo(card, stage) {
    var board = document.getElementById("board");
    htmx.ajax("POST", card.dataset.moveUrl, {
      target: board,
      swap: "outerHTML",
      values: { to_stage: stage },
    });
  }

  function enableDragging(root) {
    if (typeof Sortable === "undefined") return;
    root.querySelectorAll("ul.cards").forEach(function (list) {
      Sortable.create(list, {
        group: "board",
        draggable: "li.card",
        filter: "details, input, select, button, a",
        preventOnFilter: false,
        animation: 120,
        onEnd: function (event) {
          if (event.from === event.to) return;
          moveTo(event.item, event.to.dataset.stage);
        },
      });
    });
  }

  function enableProcessPicker() {
    document.querySelectorAll("select[data-navigate]").forEach(function (select) {
      select.addEventListener("change", function () {
        window.location = "/pipeline/" + encodeURIComponent(select.value) + "/";
      });
    });
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
  }

  function arm() {
    var board = document.getElementById("board");
    if (board && !board.dataset.armed) {
      board.dataset.armed = "1";
      enableDragging(board);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    enableProcessPicker();
    arm();
  });
  // A move re-renders the board (an outerHTML swap): arm the new one once it has settled.
  document.addEventListener("htmx:afterSettle", arm);
})();
