/* Grouped horizontal bars of weights (current vs AHP or entropy) for every [data-weights-chart] holder;
   its data is the JSON script whose id the holder names in data-source. */
(function () {
  "use strict";
  var holders = document.querySelectorAll("[data-weights-chart]");
  if (!holders.length) { return; }
  if (typeof window.echarts === "undefined") {
    holders.forEach(function (holder) { holder.hidden = true; }); // the tables beside say the same
    return;
  }
  var colors = { current: "#8a8d91", ahp: "#a61b1b", entropy: "#2f6690" };
  var fonts = getComputedStyle(document.body).fontFamily;
  var charts = [];
  holders.forEach(function (holder) {
    var source = document.getElementById(holder.getAttribute("data-source"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var narrow = holder.clientWidth < 420;
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: fonts },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        confine: true,
        valueFormatter: function (v) { return v === null || v === undefined ? "—" : Number(v).toFixed(4); }
      },
      legend: { bottom: 0 },
      grid: { left: 8, right: narrow ? 12 : 48, top: 8, bottom: 36, containLabel: true },
      xAxis: { type: "value", min: 0, axisLabel: { formatter: function (v) { return v.toFixed(2); } } },
      yAxis: {
        type: "category",
        inverse: true,
        data: data.labels,
        axisLabel: { width: narrow ? 80 : 170, overflow: "truncate" }
      },
      series: data.series.map(function (s) {
        return {
          type: "bar",
          name: s.name,
          // A weight not set yet is a missing bar, never a zero.
          data: s.values.map(function (v) { return v === null ? "-" : v; }),
          itemStyle: { color: colors[s.key] || "#c08b1a" },
          barMaxWidth: 16,
          label: {
            show: s.key !== "current" && !narrow,
            position: "right",
            formatter: function (p) { return typeof p.value === "number" ? p.value.toFixed(3) : ""; }
          }
        };
      })
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (chart) { chart.resize(); }); });
})();
