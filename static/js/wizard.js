// The application wizard's live preview (progressive enhancement; the page works without it:
// its "Preview" button asks the server). As the customer types, the loan step's figures are
// refreshed from the quote API (POST /api/v1/products/<code>/quote/), the same quote the
// server-side preview and the offer use, so the numbers agree to the cent.
(function () {
  "use strict";
  var form = document.getElementById("wizard-loan");
  if (!form || !window.fetch) { return; }
  var box = document.getElementById("wizard-preview");
  var lang = form.getAttribute("data-lang") || document.documentElement.lang || "zh-hans";
  var chinese = lang.toLowerCase().indexOf("zh") === 0;
  var timer = null;
  var sequence = 0;

  function value(name) {
    var field = form.elements[name];
    return field ? String(field.value || "").trim() : "";
  }

  function money(text) {
    var number = Number(text);
    var grouped = number.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return chinese ? "¥" + grouped : "CNY " + grouped;
  }

  function percent(text) {
    // The API's rate has six decimals; shown as a percentage with two, rounded half-up on the string.
    var scaled = Math.round(Number(text) * 1000000) / 10000;
    return scaled.toFixed(2) + "%";
  }

  function set(id, text) {
    var node = document.getElementById(id);
    if (node) { node.textContent = text; }
  }

  function show(data) {
    var first = data.installments && data.installments.length ? data.installments[0].payment : "0.00";
    box.setAttribute("data-installment", first);
    box.setAttribute("data-apr", data.summary.apr);
    box.setAttribute("data-annual-rate", data.annual_rate);
    box.setAttribute("data-total-cost", data.summary.total_cost);
    box.setAttribute("data-total-payable", data.summary.total_payable);
    set("preview-installment", money(first));
    set("preview-rate", percent(data.annual_rate));
    set("preview-apr", percent(data.summary.apr));
    set("preview-cost", money(data.summary.total_cost));
    set("preview-payable", money(data.summary.total_payable));
    box.classList.remove("stale");
  }

  function refresh() {
    var body = {
      amount: value("amount"),
      term: value("term"),
      method: value("method"),
      frequency: value("frequency"),
      channel: "web"
    };
    if (!body.amount || !body.term || !body.method || !body.frequency) { return; }
    var grace = value("grace_periods");
    if (grace) { body.grace_periods = grace; }
    if (value("grace_type")) { body.grace_type = value("grace_type"); }
    var mine = ++sequence;
    fetch(form.getAttribute("data-quote-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": lang,
        "X-CSRFToken": value("csrfmiddlewaretoken")
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (mine !== sequence) { return; }
      if (data && document.getElementById("preview-installment")) { show(data); }
      else { box.classList.add("stale"); }
    }).catch(function () { box.classList.add("stale"); });
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  form.addEventListener("change", refresh);
}());
