/* Shows the "Print" buttons (marked data-print) and prints the page when one is pressed;
   opens folded sections for printing. */
(function () {
  // On paper, folded sections (the facts and sources of a finding) are printed open.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.setAttribute("open", "");
      d.dataset.printOpened = "1";
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-print-opened]").forEach(function (d) {
      d.removeAttribute("open");
      delete d.dataset.printOpened;
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
