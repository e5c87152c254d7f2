// The portal's live view: every second, ask for the requests after the newest shown
// and add them on top. Served from the emulator ('self'), never inline.
(function () {
  "use strict";
  var table = document.getElementById("requests");
  if (!table) { return; }
  var body = table.querySelector("tbody");
  var last = Number(table.getAttribute("data-last")) || 0;

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = String(text);
    if (className) { td.className = className; }
    row.appendChild(td);
  }

  function add(request) {
    var row = document.createElement("tr");
    row.setAttribute("data-seq", String(request.seq));
    cell(row, request.time);
    cell(row, request.method);
    cell(row, request.path);
    cell(row, request.route);
    cell(row, request.status, "status s" + Math.floor(request.status / 100) + "xx");
    cell(row, request.latency_ms);
    body.insertBefore(row, body.firstChild);
  }

  function poll() {
    fetch("/_emulator/portal/requests.json?after=" + last, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { requests: [] }; })
      .then(function (data) {
        var requests = data.requests || [];
        for (var i = requests.length - 1; i >= 0; i--) {
          add(requests[i]);
          last = Math.max(last, requests[i].seq);
        }
        table.setAttribute("data-last", String(last));
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
}());
