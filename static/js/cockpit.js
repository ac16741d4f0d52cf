/* The leaders' cockpit (templates/analysis/cockpit.html): draws its charts from the page's
   #cockpit-data element (the same JSON as GET /api/analysis/cockpit/). Labels come from the
   server, translated. A click on a figure opens the tickets behind it; a click on a category
   with sub-categories shows them first. */
(function () {
  "use strict";

  var LIGHT_COLOURS = { red: "#d93025", yellow: "#f5a623", green: "#1e8e3e", none: "#9aa7b6" };

  function go(url) { if (url) window.location.href = url; }

  function el(name) { return document.querySelector('[data-chart="' + name + '"]'); }

  function trend(data, charts) {
    var points = data.trend, labels = data.labels;
    var chart = charts.init(el("trend"), {
      color: ["#1f5fbf", "#9aa7b6"],
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: points.map(function (p) { return p.label; }) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: labels.volume, type: "bar", data: points.map(function (p) { return { value: p.count, url: p.url }; }) },
        { name: labels.last_year, type: "line", symbolSize: 6,
          data: points.map(function (p) { return { value: p.last_year.count, url: p.last_year.url }; }) }
      ]
    });
    if (chart) chart.on("click", function (e) { go(e.data && e.data.url); });
  }

  function channels(data, charts) {
    var chart = charts.init(el("channels"), {
      color: charts.palette,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll" },
      series: [{
        // Counts inside the ring, names in the legend: outside labels do not fit a phone.
        type: "pie", radius: ["36%", "70%"], center: ["50%", "45%"],
        label: { position: "inside", formatter: "{c}", color: "#fff", fontWeight: "bold" },
        data: data.channels.filter(function (c) { return c.count; }).map(function (c) {
          return { name: c.label, value: c.count, url: c.url };
        })
      }]
    });
    if (chart) chart.on("click", function (e) { go(e.data && e.data.url); });
  }

  function lights(data, charts) {
    var rows = data.lights;
    var chart = charts.init(el("lights"), {
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return r.label; }) },
      series: [{
        type: "bar", label: { show: true, position: "right" },
        data: rows.map(function (r) {
          return { value: r.count, url: r.url, itemStyle: { color: LIGHT_COLOURS[r.light] } };
        })
      }]
    });
    if (chart) chart.on("click", function (e) { go(e.data && e.data.url); });
  }

  function categories(data, charts) {
    var element = el("categories"), path = document.querySelector('[data-chart-path="categories"]');
    var labels = data.labels, stack = [], shown = [];
    var chart = charts.init(element, {});
    if (!chart) return;

    function show(nodes) {
      var top = shown = nodes.slice(0, 15);
      chart.setOption(charts.safe({
        color: charts.palette,
        tooltip: { trigger: "item", formatter: function (p) {
          return p.name + ": " + p.value + " " + labels.tickets + (p.data.more ? " ▸" : "");
        } },
        grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        // triggerEvent: the category's name is clickable too, not only its bar.
        yAxis: { type: "category", inverse: true, triggerEvent: true,
                 data: top.map(function (n) { return n.name; }),
                 axisLabel: { width: 110, overflow: "truncate" } },
        series: [{
          type: "bar", label: { show: true, position: "right" },
          data: top.map(function (n) {
            return { value: n.count, more: n.children.length > 0,
                     itemStyle: { color: n.children.length ? "#1f5fbf" : "#5b8fd9" } };
          })
        }]
      }), true);
      path.textContent = "";
      if (stack.length) {
        var back = document.createElement("button");
        back.type = "button";
        back.className = "button button-small button-secondary";
        back.textContent = "← " + labels.back;
        back.addEventListener("click", function () { stack.pop(); render(); });
        path.appendChild(back);
        var current = stack[stack.length - 1];
        path.appendChild(document.createTextNode(stack.map(function (n) { return n.name; }).join(" › ") + " "));
        if (current.url) {
          var link = document.createElement("a");
          link.href = current.url;
          link.textContent = labels.open_tickets + " (" + current.count + ")";
          path.appendChild(link);
        }
      }
    }

    function render() {
      show(stack.length ? stack[stack.length - 1].children : data.categories);
    }

    chart.on("click", function (e) {
      var node = e.componentType === "yAxis"
        ? shown.filter(function (n) { return n.name === e.value; })[0]
        : shown[e.dataIndex];
      if (!node) return;
      if (node.children.length) { stack.push(node); render(); } else { go(node.url); }
    });
    render();
  }

  function regions(data, charts) {
    var element = el("regions");
    if (!element || !window.echarts) return;
    var labels = data.labels, level = "districts", geo = null, chart = null;
    var rows = { districts: data.regions.districts, streets: data.regions.streets };

    function draw() {
      if (!geo || !geo[level]) {
        element.textContent = labels.no_map;
        return;
      }
      var name = "hotline-" + level;
      window.echarts.registerMap(name, geo[level]);
      var names = {};
      geo[level].features.forEach(function (f) { names[f.properties.name] = f.properties.label; });
      var values = rows[level].map(function (r) {
        return { name: String(r.id), value: r.count, url: r.url, label: r.name };
      });
      var max = Math.max.apply(null, values.map(function (v) { return v.value; }).concat([1]));
      var option = {
        tooltip: { trigger: "item", formatter: function (p) {
          var label = (p.data && p.data.label) || names[p.name] || p.name;
          return label + ": " + (isNaN(p.value) ? 0 : p.value) + " " + labels.tickets;
        } },
        // The scale below the map, horizontal: beside it, it covers streets on a phone.
        visualMap: { min: 0, max: max, orient: "horizontal", left: "center", bottom: 0,
                     calculable: true, itemWidth: 12, itemHeight: 140,
                     inRange: { color: ["#e8f0fc", "#7aa3e0", "#1f5fbf", "#0b2f6b"] } },
        series: [{
          type: "map", map: name, roam: false, selectedMode: false,
          top: 8, bottom: 56, left: 8, right: 8,
          label: { show: true, fontSize: level === "streets" ? 10 : 12, color: "#1d2733",
                   textBorderColor: "#fff", textBorderWidth: 2,
                   formatter: function (p) { return names[p.name] || p.name; } },
          emphasis: { label: { show: true } },
          data: values
        }]
      };
      chart = charts.init(element, option);
      chart.off("click");
      chart.on("click", function (e) { go(e.data && e.data.url); });
    }

    document.querySelectorAll("[data-map-level]").forEach(function (button) {
      button.addEventListener("click", function () {
        level = button.getAttribute("data-map-level");
        document.querySelectorAll("[data-map-level]").forEach(function (b) {
          var on = b === button;
          b.setAttribute("aria-pressed", on ? "true" : "false");
          b.classList.toggle("button-secondary", !on);
        });
        draw();
      });
    });

    fetch(element.getAttribute("data-map-url"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { geo = body; draw(); })
      .catch(function () { element.textContent = labels.no_map; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var charts = window.HotlineCharts;
    var data = charts && charts.readJSON("cockpit-data");
    if (!data || !window.echarts) return;
    trend(data, charts);
    channels(data, charts);
    lights(data, charts);
    categories(data, charts);
    regions(data, charts);
  });
})();
