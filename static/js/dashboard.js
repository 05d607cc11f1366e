/* The comparison dashboard's two charts: the unit's six dimension means now against the baseline, as
   a radar and as grouped bars. The table beside them carries the same figures for those without
   JavaScript or without the charting library. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-chart-data");
  var radarHolder = document.getElementById("dashboard-radar");
  var barsHolder = document.getElementById("dashboard-bars");
  if (!source || !radarHolder || !barsHolder) { return; }
  if (typeof window.echarts === "undefined") {
    radarHolder.hidden = true;
    barsHolder.hidden = true;
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = { now: "#a61b1b", before: "#8a8d91" };
  var fonts = getComputedStyle(document.body).fontFamily;
  var narrow = radarHolder.clientWidth < 420;

  function shown(value) { return value === null || value === "-" ? "—" : Number(value).toFixed(1); }

  // The radar starts a round ten below the lowest mean, so that a change of a few points is visible;
  // the bars start at zero and show the values themselves.
  var present = [];
  data.series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null) { present.push(v); } }); });
  var floor = present.length ? Math.max(0, Math.min(80, Math.floor((Math.min.apply(null, present) - 5) / 10) * 10)) : 0;

  var radar = window.echarts.init(radarHolder, null, { renderer: "svg" });
  radar.setOption({
    textStyle: { fontFamily: fonts },
    tooltip: {
      trigger: "item",
      confine: true,
      formatter: function (item) {
        var lines = [item.marker + item.name];
        data.dimensions.forEach(function (name, i) { lines.push(name + "：" + shown(item.value[i])); });
        return lines.join("<br>");
      }
    },
    legend: { bottom: 0, itemGap: 16, textStyle: { fontSize: 13 } },
    radar: {
      radius: narrow ? "58%" : "64%",
      center: ["50%", "46%"],
      indicator: data.dimensions.map(function (name) { return { name: name, max: data.max, min: floor }; }),
      splitNumber: 4,
      axisName: { color: "#3c3c3c", fontSize: 13 },
      splitArea: { areaStyle: { color: ["#fbfaf8", "#f3f1ed"] } }
    },
    series: [{
      type: "radar",
      symbolSize: 5,
      data: data.series.map(function (s) {
        var colour = colours[s.key] || colours.before;
        return {
          name: s.name,
          value: s.values.map(function (v) { return v === null ? "-" : v; }),
          itemStyle: { color: colour },
          lineStyle: { color: colour, width: s.key === "now" ? 2.5 : 1.5, type: s.key === "now" ? "solid" : "dashed" },
          areaStyle: s.key === "now" ? { color: colour, opacity: 0.15 } : undefined
        };
      })
    }]
  });

  var bars = window.echarts.init(barsHolder, null, { renderer: "svg" });
  bars.setOption({
    textStyle: { fontFamily: fonts },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: shown, confine: true },
    legend: { bottom: 0, textStyle: { fontSize: 13 } },
    grid: { left: 36, right: 12, top: 24, bottom: 56 },
    xAxis: { type: "category", data: data.dimensions, axisLabel: { fontSize: 13 } },
    yAxis: { type: "value", min: 0, max: data.max, splitNumber: 5 },
    series: data.series.map(function (s) {
      return {
        name: s.name,
        type: "bar",
        barGap: "10%",
        itemStyle: { color: colours[s.key] || colours.before },
        label: { show: !narrow, position: "top", fontSize: 11, formatter: function (p) { return shown(p.value); } },
        data: s.values.map(function (v) { return v === null ? "-" : v; })
      };
    })
  });

  window.addEventListener("resize", function () { radar.resize(); bars.resize(); });
})();
