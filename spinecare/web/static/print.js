/* Shows the "Print" buttons (marked data-print) and prints the page when one is pressed. */
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
