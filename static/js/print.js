// A "Print" button for pages with one (the contract): shown only when scripts run, no inline
// handler (the Content-Security-Policy allows no inline script).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
