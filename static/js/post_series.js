/* Model posts page: each post's quarterly score this year against last year's line (one small chart per post). */
(function () {
  "use strict";
  var source = document.getElementById("post-series-data");
  var holders = document.querySelectorAll("[data-post-chart]");
  if (!source || !holders.length) { return; }
  if (typeof window.echarts === "undefined") {
    // The vendored library is missing: the tables still carry every figure.
    Array.prototype.forEach.call(holders, function (holder) { holder.hidden = true; });
    return;
  }
  var charts = JSON.parse(source.textContent);
  var fonts = getComputedStyle(document.body).fontFamily;
  var drawn = [];
  var styles = {
    now: { color: "#a61b1b", width: 2.5, line: "solid", symbol: "circle" },
    before: { color: "#8a8d91", width: 1.5, line: "dashed", symbol: "emptyCircle" }
  };

  function line(name, values, style) {
    return {
      name: name,
      type: "line",
      // A stage without a score is a gap in the line, never a zero.
      data: values.map(function (v) { return v === null ? "-" : v; }),
      connectNulls: false,
      symbol: style.symbol,
      symbolSize: 7,
      itemStyle: { color: style.color },
      lineStyle: { color: style.color, width: style.width, type: style.line },
      label: { show: style === styles.now, position: "top", fontSize: 11, color: style.color }
    };
  }

  Array.prototype.forEach.call(holders, function (holder) {
    var data = charts[holder.getAttribute("data-post-chart")];
    if (!data) { holder.hidden = true; return; }
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: fonts },
      grid: { left: 36, right: 14, top: 26, bottom: 46 },
      tooltip: {
        trigger: "axis",
        confine: true,
        valueFormatter: function (v) { return v === "-" || v === null || v === undefined ? "—" : Number(v).toFixed(1); }
      },
      legend: { bottom: 0, itemGap: 16, textStyle: { fontSize: 12 } },
      xAxis: { type: "category", data: data.stages, boundaryGap: true, axisTick: { show: false } },
      yAxis: {
        type: "value", min: 0, max: 100, interval: 25,
        splitLine: { lineStyle: { color: "#ece9e4" } }, axisLabel: { fontSize: 11 }
      },
      series: [line(data.before_name, data.before, styles.before), line(data.now_name, data.now, styles.now)]
    });
    drawn.push(chart);
  });
  window.addEventListener("resize", function () { drawn.forEach(function (chart) { chart.resize(); }); });
})();
