/* Radar of the dimension weights of each member category (indicator-system page). */
(function () {
  "use strict";
  var holder = document.getElementById("category-weights-chart");
  var source = document.getElementById("category-weights-data");
  if (!holder || !source) { return; }
  if (typeof window.echarts === "undefined") {
    holder.hidden = true; // the vendored library is missing: the table above still says everything
    return;
  }
  var data = JSON.parse(source.textContent);
  var highest = 0;
  data.series.forEach(function (s) { s.values.forEach(function (v) { highest = Math.max(highest, v); }); });
  var max = Math.max(0.1, Math.ceil(highest * 10) / 10);
  var fonts = getComputedStyle(document.body).fontFamily;
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    color: ["#a61b1b", "#c08b1a", "#2f6690", "#3a7d44", "#6d597a", "#8a5a44"],
    textStyle: { fontFamily: fonts },
    tooltip: { trigger: "item" },
    legend: { bottom: 0, type: "scroll" },
    radar: {
      radius: "62%",
      center: ["50%", "46%"],
      indicator: data.dimensions.map(function (name) { return { name: name, max: max }; }),
      axisName: { color: "#3c3c3c", fontSize: 13 },
      splitArea: { areaStyle: { color: ["#fbfaf8", "#f3f1ed"] } }
    },
    series: [{
      type: "radar",
      symbolSize: 5,
      areaStyle: { opacity: 0.08 },
      data: data.series.map(function (s) { return { name: s.name, value: s.values }; })
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
