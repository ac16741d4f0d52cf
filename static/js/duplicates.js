// Duplicate suggestions on the operator's desk (dispatch/panels/_duplicates.html): a few hundred
// ms after the content or the address stops changing, ask POST /api/tickets/similar/ and list
// open tickets about the same problem at the same place; "add to this ticket" puts the call on
// it (POST /api/tickets/<id>/calls/) instead of registering a second one.
// No inline script: the page's CSP forbids it.
(function () {
  "use strict";
  var WAIT_MS = 500;
  var MIN_CHARS = 6;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setup(panel) {
    var content = document.querySelector(panel.dataset.content);
    var address = document.querySelector(panel.dataset.address);
    var title = document.querySelector(panel.dataset.title);
    var list = panel.querySelector("[data-results]");
    var timer = null;
    var lastKey = "";
    if (!content) { return; }

    function withId(template, id) { return template.replace("/0/", "/" + id + "/"); }

    function post(url, body) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken()
        },
        body: JSON.stringify(body)
      });
    }

    function addCall(result, button) {
      button.disabled = true;
      post(withId(panel.dataset.calls, result.id), { text: content.value })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          button.textContent = panel.dataset.addedLabel;
          window.location.href = withId(panel.dataset.ticket, result.id);
        })
        .catch(function () {
          button.disabled = false;
          button.textContent = panel.dataset.failedLabel;
        });
    }

    function render(results) {
      list.textContent = "";
      results.forEach(function (result) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = withId(panel.dataset.ticket, result.id);
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = result.number + " " + result.title;
        item.appendChild(link);
        var about = document.createElement("p");
        about.className = "help";
        about.textContent = panel.dataset.scoreLabel + " " + Math.round(result.score * 100) +
          "% · " + result.address;
        if (result.likely) {
          var tag = document.createElement("span");
          tag.className = "tag tag-warn";
          tag.textContent = panel.dataset.likelyLabel;
          about.insertBefore(tag, about.firstChild);
        }
        item.appendChild(about);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button-small button-secondary";
        button.textContent = panel.dataset.addLabel;
        button.addEventListener("click", function () { addCall(result, button); });
        item.appendChild(button);
        list.appendChild(item);
      });
      panel.hidden = results.length === 0;
    }

    function look() {
      var body = {
        content: content.value.trim().slice(0, 4000),
        address: address ? address.value.trim().slice(0, 200) : "",
        title: title ? title.value.trim().slice(0, 100) : ""
      };
      var key = JSON.stringify(body);
      if (key === lastKey) { return; }
      lastKey = key;
      if (body.content.length < MIN_CHARS) { render([]); return; }
      post(panel.dataset.api, body)
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (key === lastKey) { render(data.results || []); } })
        .catch(function () { render([]); });
    }

    [content, address, title].forEach(function (input) {
      if (!input) { return; }
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(look, WAIT_MS);
      });
    });
    if (content.value) { look(); }
  }

  document.querySelectorAll("[data-duplicates]").forEach(setup);
})();
