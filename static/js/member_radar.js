/* A member's six-angle radar: his dimensions, his branch's mean and last year (results page). */
(function () {
  "use strict";
  var holder = document.getElementById("member-radar");
  var source = document.getElementById("member-radar-data");
  if (!holder || !source) { return; }
  if (typeof window.echarts === "undefined") {
    holder.hidden = true; // the vendored library is missing: the table below says the same
    return;
  }
  var data = JSON.parse(source.textContent);
  var styles = {
    self: { color: "#a61b1b", area: 0.18, line: "solid", width: 2.5 },
    branch: { color: "#2f6690", area: 0.06, line: "solid", width: 1.5 },
    last_year: { color: "#8a8d91", area: 0, line: "dashed", width: 1.5 }
  };
  var narrow = holder.clientWidth < 420;
  var fonts = getComputedStyle(document.body).fontFamily;
  var chart = window.echarts.init(holder, null, { renderer: "svg" });
  chart.setOption({
    textStyle: { fontFamily: fonts },
    tooltip: {
      trigger: "item",
      confine: true,
      formatter: function (item) {
        var lines = [item.marker + item.name];
        data.dimensions.forEach(function (name, i) {
          var value = item.value[i];
          lines.push(name + "：" + (value === "-" || value === null ? "—" : Number(value).toFixed(1)));
        });
        return lines.join("<br>");
      }
    },
    legend: { bottom: 0, itemGap: narrow ? 10 : 20, textStyle: { fontSize: 13 } },
    radar: {
      radius: narrow ? "58%" : "66%",
      center: ["50%", "47%"],
      indicator: data.dimensions.map(function (name) { return { name: name, max: data.max, min: 0 }; }),
      splitNumber: 4,
      axisName: { color: "#3c3c3c", fontSize: 13 },
      splitArea: { areaStyle: { color: ["#fbfaf8", "#f3f1ed"] } }
    },
    series: [{
      type: "radar",
      symbolSize: 5,
      data: data.series.map(function (s) {
        var style = styles[s.key] || styles.branch;
        return {
          name: s.name,
          // A dimension without a score is a gap in the line, never a zero.
          value: s.values.map(function (v) { return v === null ? "-" : v; }),
          itemStyle: { color: style.color },
          lineStyle: { color: style.color, width: style.width, type: style.line },
          areaStyle: style.area ? { color: style.color, opacity: style.area } : undefined
        };
      })
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
