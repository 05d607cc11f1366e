/* The questionnaire analysis page: keeps the period and questionnaire pickers in step, draws the
   heat map of the dimension correlations and a small answer distribution beside every question. */
(function () {
  "use strict";

  // ── the pickers: choosing a period picks one of its questionnaires, and the other way round ──
  var period = document.getElementById("analysis-period");
  var questionnaire = document.getElementById("analysis-questionnaire");
  if (period && questionnaire) {
    period.addEventListener("change", function () {
      var current = questionnaire.options[questionnaire.selectedIndex];
      if (!period.value || (current && current.getAttribute("data-period") === period.value)) { return; }
      for (var i = 0; i < questionnaire.options.length; i += 1) {
        if (questionnaire.options[i].getAttribute("data-period") === period.value) {
          questionnaire.selectedIndex = i;
          return;
        }
      }
    });
    questionnaire.addEventListener("change", function () {
      var picked = questionnaire.options[questionnaire.selectedIndex];
      if (picked && period.value) { period.value = picked.getAttribute("data-period") || ""; }
    });
  }

  var source = document.getElementById("analysis-chart-data");
  if (!source || typeof window.echarts === "undefined") { return; } // the tables say the same
  var data = JSON.parse(source.textContent);
  var fonts = getComputedStyle(document.body).fontFamily;
  var accent = "#a61b1b";
  var blue = "#2f6690";

  // ── heat map of the dimension correlations ──
  var holder = document.getElementById("analysis-heatmap");
  if (holder && data.dimensions.length) {
    var names = data.dimensions;
    var cells = [];
    data.matrix.forEach(function (row, y) {
      row.forEach(function (value, x) {
        var shown = value === null ? "-" : Math.round(value * 100) / 100;
        cells.push({
          value: [x, y, shown],
          label: { color: value !== null && Math.abs(value) >= 0.55 ? "#fff" : "#1f2328" }
        });
      });
    });
    var narrow = holder.clientWidth < 480;
    var heatmap = window.echarts.init(holder, null, { renderer: "svg" });
    heatmap.setOption({
      textStyle: { fontFamily: fonts },
      tooltip: {
        confine: true,
        formatter: function (item) {
          var value = item.value[2];
          return names[item.value[1]] + " × " + names[item.value[0]] + "：" + (value === "-" ? "—" : value.toFixed(2));
        }
      },
      grid: { left: narrow ? 44 : 64, right: 8, top: 8, bottom: 64 },
      xAxis: { type: "category", data: names, axisTick: { show: false }, axisLabel: { interval: 0, fontSize: 12 } },
      yAxis: { type: "category", data: names, inverse: true, axisTick: { show: false }, axisLabel: { fontSize: 12 } },
      visualMap: {
        min: -1,
        max: 1,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: narrow ? 150 : 220,
        itemWidth: 12,
        text: ["1", "−1"],
        inRange: { color: [blue, "#f6f5f3", accent] }
      },
      series: [{
        type: "heatmap",
        data: cells,
        label: {
          show: true,
          fontSize: narrow ? 11 : 13,
          formatter: function (item) { return item.value[2] === "-" ? "—" : item.value[2].toFixed(2); }
        },
        itemStyle: { borderColor: "#fff", borderWidth: 2 }
      }]
    });
    window.addEventListener("resize", function () { heatmap.resize(); });
  }

  // ── a small bar chart of each question's answers, drawn when it scrolls into view ──
  function drawDistribution(box) {
    var distribution = data.distributions[box.getAttribute("data-code")];
    if (!distribution) { return; }
    box.textContent = ""; // the words were for a page without charts; the label keeps them
    box.classList.add("is-drawn");
    var chart = window.echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      textStyle: { fontFamily: fonts },
      grid: { left: 0, right: 0, top: 2, bottom: 14 },
      tooltip: {
        trigger: "axis",
        confine: true,
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          var i = items[0].dataIndex;
          var share = distribution.shares[i];
          return distribution.points[i] + data.labels.point + "：" + distribution.counts[i] +
            (share === null ? "" : "（" + Math.round(share * 1000) / 10 + "%）");
        }
      },
      xAxis: {
        type: "category",
        data: distribution.points.map(String),
        axisLine: { lineStyle: { color: "#e3e0db" } },
        axisTick: { show: false },
        axisLabel: { fontSize: 9, color: "#60646b", margin: 2 }
      },
      yAxis: { type: "value", min: 0, max: 1, show: false },
      series: [{
        type: "bar",
        data: distribution.shares.map(function (v) { return v === null ? 0 : v; }),
        barCategoryGap: "18%",
        itemStyle: { color: distribution.flagged ? accent : blue, borderRadius: [2, 2, 0, 0] }
      }]
    });
  }

  var boxes = Array.prototype.slice.call(document.querySelectorAll(".analysis-dist[data-code]"));
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          drawDistribution(entry.target);
        }
      });
    }, { rootMargin: "200px 0px" });
    boxes.forEach(function (box) { observer.observe(box); });
  } else {
    boxes.forEach(drawDistribution);
  }
})();
