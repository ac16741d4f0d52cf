// Live knowledge-base suggestions (knowledge/panels/_suggestions.html and _ticket.html): a few
// hundred ms after typing stops, ask /api/knowledge/search/ and list the best entries; "use"
// puts the entry's answer into the reply and adds its id to the form (knowledge_entries), so
// the ticket records which entries answered it. No inline script: the page's CSP forbids it.
(function () {
  "use strict";
  var WAIT_MS = 400;
  var MIN_CHARS = 4;

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setup(panel) {
    var list = panel.querySelector("[data-results]");
    var input = panel.dataset.input ? document.querySelector(panel.dataset.input) : null;
    var target = panel.dataset.target ? document.querySelector(panel.dataset.target) : null;
    var timer = null;
    var lastQuery = "";
    var searchId = null;

    function entryUrl(id) { return panel.dataset.entry.replace("/0/", "/" + id + "/"); }

    function click(entryId) {
      if (!searchId) { return; }
      fetch(panel.dataset.click.replace("/0/", "/" + searchId + "/"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ entry: entryId })
      }).catch(function () {});
    }

    function use(result, button) {
      if (!target) { return; }
      target.value = target.value.trim() ? target.value.trim() + "\n\n" + result.body : result.body;
      target.dispatchEvent(new Event("input"));
      var form = target.form;
      if (form && !form.querySelector("input[name=knowledge_entries][value='" + result.id + "']")) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = "knowledge_entries";
        hidden.value = String(result.id);
        form.appendChild(hidden);
      }
      button.textContent = panel.dataset.usedLabel || button.textContent;
      button.disabled = true;
      click(result.id);
    }

    function render(results) {
      list.textContent = "";
      results.forEach(function (result) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = entryUrl(result.id) + (searchId ? "?s=" + searchId : "");
        link.target = "_blank";
        link.rel = "noopener";
        link.textContent = result.title;
        var text = document.createElement("p");
        text.className = "help";
        text.textContent = result.snippet;
        item.appendChild(link);
        item.appendChild(text);
        if (target) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "button button-small button-secondary";
          button.textContent = panel.dataset.useLabel;
          button.addEventListener("click", function () { use(result, button); });
          item.appendChild(button);
        }
        list.appendChild(item);
      });
      panel.hidden = results.length === 0;
    }

    function search(query) {
      query = query.trim();
      if (query.length < MIN_CHARS || query === lastQuery) {
        if (query.length < MIN_CHARS) { render([]); }
        return;
      }
      lastQuery = query;
      var url = panel.dataset.api + "?limit=5&source=" + encodeURIComponent(panel.dataset.source) +
        "&q=" + encodeURIComponent(query.slice(0, 2000));
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          searchId = data.search || null;
          render((data.results || []).filter(function (result) { return result.good; }));
        })
        .catch(function () { render([]); });
    }

    if (input) {
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () { search(input.value); }, WAIT_MS);
      });
      if (input.value) { search(input.value); }
    } else if (panel.dataset.query) {
      search(panel.dataset.query);
    }
  }

  document.querySelectorAll("[data-knowledge-suggest]").forEach(setup);
})();
