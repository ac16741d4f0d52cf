// The monthly topic's weekly volume as a chart, when ECharts is on the page (the cockpit's
// static/vendor/echarts/); without it the page keeps its table. Data: the topic's JSON endpoint.
(function () {
  "use strict";
  var box = document.getElementById("topic-chart");
  if (!box || typeof window.echarts === "undefined" || !window.fetch) {
    return;
  }
  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data) { return; }
      box.classList.add("drawn");
      var chart = window.echarts.init(box);
      var labels = data.weeks.map(function (week) { return week.start.slice(5); });
      var counts = data.weeks.map(function (week) {
        return { value: week.count, itemStyle: { color: week.phase === "since" ? "#1f5fbf" : "#9aa7b6" } };
      });
      var series = [{ type: "bar", data: counts, name: box.dataset.label || "" }];
      if (data.target_average !== null) {
        series.push({
          type: "line",
          data: data.weeks.map(function () { return data.target_average; }),
          symbol: "none",
          lineStyle: { type: "dashed", color: "#14632f" },
        });
      }
      chart.setOption({
        grid: { left: 36, right: 12, top: 16, bottom: 28 },
        // Drawn on the canvas: HTML tooltips set style attributes, which the CSP refuses.
        tooltip: { trigger: "axis", renderMode: "richText" },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", minInterval: 1 },
        series: series,
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
})();
