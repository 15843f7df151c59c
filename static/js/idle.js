// The idle-timeout warning (templates/_idle_warning.html): shown shortly before the server signs
// an unused session out (loanhub.sessions); "Stay signed in" asks the server for this page
// again, which counts as activity, and starts the count afresh. Text comes from the template
// (translated there); nothing here is worded.
(function () {
  "use strict";
  var box = document.getElementById("idle-warning");
  if (!box) return;
  var timeout = parseInt(box.dataset.timeoutSeconds, 10) * 1000;
  var warning = parseInt(box.dataset.warningSeconds, 10) * 1000;
  var warnTimer, endTimer;

  function show(ended) {
    box.hidden = false;
    box.querySelector(".idle-soon").hidden = ended;
    box.querySelector(".idle-stay").hidden = ended;
    box.querySelector(".idle-ended").hidden = !ended;
    box.querySelector(".idle-sign-in").hidden = !ended;
  }

  function start() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    box.hidden = true;
    warnTimer = window.setTimeout(function () { show(false); }, timeout - warning);
    endTimer = window.setTimeout(function () { show(true); }, timeout);
  }

  box.querySelector(".idle-stay").addEventListener("click", function () {
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.ok && !response.redirected) start();
        else show(true);
      })
      .catch(function () { show(true); });
  });
  start();
})();
