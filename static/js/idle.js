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
  // The first count: what the server has left of the session (its activity is recorded at most
  // once a minute); after "Stay signed in" the server starts a whole new period.
  var left = parseInt(box.dataset.secondsLeft, 10) * 1000;
  var warnTimer, endTimer;

  function show(ended) {
    box.hidden = false;
    box.querySelector(".idle-soon").hidden = ended;
    box.querySelector(".idle-stay").hidden = ended;
    box.querySelector(".idle-ended").hidden = !ended;
    box.querySelector(".idle-sign-in").hidden = !ended;
  }

  function start(period) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    box.hidden = true;
    warnTimer = window.setTimeout(function () { show(false); }, Math.max(0, period - warning));
    endTimer = window.setTimeout(function () { show(true); }, period);
  }

  box.querySelector(".idle-stay").addEventListener("click", function () {
    var headers = { "X-Requested-With": "fetch", "X-LoanHub-Keep-Alive": "1" };
    fetch(window.location.href, { credentials: "same-origin", headers: headers })
      .then(function (response) {
        if (response.ok && !response.redirected) start(timeout);
        else show(true);
      })
      .catch(function () { show(true); });
  });
  start(isNaN(left) ? timeout : left);
})();
