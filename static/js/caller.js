// The caller's history on the operator's desk (workorders/_caller_history.html): a few hundred
// ms after the phone number stops changing, ask /api/tickets/caller-history/ and list the
// caller's tickets of the last 12 months. An open one is flagged: the operator may add this
// call to it (POST /api/tickets/<id>/calls/) or register the call as a repeat without new facts.
// No inline script: the page's CSP forbids it.
(function () {
  "use strict";
  var WAIT_MS = 400;
  var MIN_DIGITS = 5;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function setup(panel) {
    var phone = document.querySelector(panel.dataset.phone);
    var content = document.querySelector(panel.dataset.content);
    var repeat = document.querySelector(panel.dataset.repeat);
    var rows = panel.querySelector("[data-rows]");
    var flag = panel.querySelector("[data-flag]");
    var timer = null;
    var lastPhone = "";
    if (!phone) { return; }

    function withId(template, id) { return template.replace("/0/", "/" + id + "/"); }

    function addCall(result, button) {
      button.disabled = true;
      fetch(withId(panel.dataset.calls, result.id), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ text: content ? content.value : "" })
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        button.textContent = panel.dataset.addedLabel;
        window.location.href = withId(panel.dataset.ticket, result.id);
      }).catch(function () {
        button.disabled = false;
        button.textContent = panel.dataset.failedLabel;
      });
    }

    function render(results) {
      rows.textContent = "";
      var open = results.filter(function (result) { return result.is_open; });
      results.forEach(function (result) {
        var row = document.createElement("tr");
        var first = cell(row, "");
        var link = document.createElement("a");
        link.href = withId(panel.dataset.ticket, result.id);
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = result.number;
        first.appendChild(link);
        cell(row, (result.registered_at || "").slice(0, 10));
        cell(row, result.title);
        cell(row, result.is_open ? result.status_label + " · " + panel.dataset.openLabel
          : result.status_label);
        cell(row, result.unit);
        var last = cell(row, "");
        if (result.is_open) {
          row.className = "repeat";
          var button = document.createElement("button");
          button.type = "button";
          button.className = "button button-small button-secondary";
          button.textContent = panel.dataset.addLabel;
          button.addEventListener("click", function () { addCall(result, button); });
          last.appendChild(button);
        }
        rows.appendChild(row);
      });
      if (results.length === 0) {
        var empty = document.createElement("tr");
        cell(empty, panel.dataset.emptyLabel).colSpan = 6;
        rows.appendChild(empty);
      }
      flag.hidden = open.length === 0;
      if (repeat) {
        repeat.hidden = open.length === 0;
        repeat.value = open.length ? open[0].number : "";
      }
      panel.hidden = false;
    }

    function look(value) {
      value = value.replace(/\s/g, "");
      if (value === lastPhone) { return; }
      lastPhone = value;
      if (value.replace(/\D/g, "").length < MIN_DIGITS) {
        panel.hidden = true;
        if (repeat) { repeat.hidden = true; }
        return;
      }
      fetch(panel.dataset.api + "?phone=" + encodeURIComponent(value), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && value === lastPhone) { render(data.results || []); }
        })
        .catch(function () {});
    }

    phone.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { look(phone.value); }, WAIT_MS);
    });
    if (phone.value) { look(phone.value); }
  }

  document.querySelectorAll("[data-caller-history]").forEach(setup);
})();
