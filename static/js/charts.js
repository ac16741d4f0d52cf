/* Charts drawn with ECharts (static/vendor/echarts/, Apache-2.0) from data the server puts in a
   <script type="application/json"> element (Django's json_script): no inline script, so the
   Content-Security-Policy stays strict. The canvas renderer sets styles through the DOM API
   only, which the policy allows. Every chart follows its container's size (phones, rotation). */
(function () {
  "use strict";

  var charts = [];

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  /* Tooltips drawn on the canvas (richText), not as HTML: ECharts' HTML tooltips put style
     attributes into innerHTML, which the policy (no inline style) blocks. */
  function safe(option) {
    if (option.tooltip) option.tooltip.renderMode = "richText";
    return option;
  }

  function init(element, option) {
    if (!window.echarts || !element) return null;
    var chart = window.echarts.getInstanceByDom(element) || window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(safe(option), true);
    charts.push(chart);
    if (window.ResizeObserver) {
      new ResizeObserver(function () { chart.resize(); }).observe(element);
    }
    return chart;
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });

  var PALETTE = ["#1f5fbf", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#dc2626", "#64748b"];

  /* A line chart of percentages over months: [data-line-chart="<json element id>"] reading
     {"x": [labels], "series": [{"name", "data": [numbers or null]}], "min": n}. */
  function lineCharts() {
    document.querySelectorAll("[data-line-chart]").forEach(function (element) {
      var data = readJSON(element.getAttribute("data-line-chart"));
      if (!data) return;
      init(element, {
        color: PALETTE,
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v.toFixed(2) + "%"; } },
        legend: { top: 0, type: "scroll" },
        // With boundaryGap off the last month's label is centred on the right edge, and
        // containLabel does not make room for it: without the margin "2026-11" shows as "2026-1".
        grid: { left: 8, right: 32, top: 36, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: data.x, boundaryGap: false },
        yAxis: { type: "value", min: data.min, max: 100, axisLabel: { formatter: "{value}%" } },
        series: data.series.map(function (s) {
          return { name: s.name, type: "line", data: s.data, connectNulls: true, symbolSize: 7 };
        })
      });
    });
  }

  window.HotlineCharts = { init: init, safe: safe, readJSON: readJSON, palette: PALETTE };
  document.addEventListener("DOMContentLoaded", lineCharts);
})();
