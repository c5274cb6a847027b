/* Draw the supervision charts from the JSON the page carries (the same figures as the tables beside them).
   A click on a bar or point opens the case list behind it; the tables carry the same links for keyboards. */
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  var PALETTE = ["#2D8CF0", "#19BE6B", "#FF9900", "#ED4014", "#9A66E4", "#2DB7F5", "#808695", "#F7BA1E", "#14C9C9", "#8D4EDA",
    "#3491FA", "#F53F3F", "#00B42A", "#722ED1"];
  ready(function () {
    var holder = document.getElementById("chart-data");
    if (!holder || !window.echarts) { return; }
    var charts = JSON.parse(holder.textContent || "[]");
    var drawn = [];
    charts.forEach(function (spec) {
      var el = document.getElementById(spec.id);
      if (!el) { return; }
      var twoAxes = spec.series.some(function (s) { return s.axis === 1; });
      var narrow = el.clientWidth < 480;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        color: PALETTE,
        aria: { enabled: true },
        animation: false,
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { type: "scroll", top: 0, textStyle: { fontSize: narrow ? 10 : 12 } },
        grid: { left: 8, right: twoAxes ? 8 : 16, top: 40, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: spec.categories,
          axisLabel: { interval: 0, rotate: narrow || spec.categories.length > 6 ? 30 : 0, fontSize: narrow ? 10 : 12,
            formatter: function (v) { return v.length > 10 ? v.slice(0, 10) + "…" : v; } } },
        yAxis: twoAxes ? [{ type: "value", name: spec.series[0].unit || "", minInterval: 1 }, { type: "value", name: spec.series[1].unit || "" }]
          : { type: "value", minInterval: 1 },
        series: spec.series.map(function (s) {
          return { name: s.name, type: spec.kind === "line" ? "line" : "bar", stack: spec.stacked ? "all" : undefined,
            yAxisIndex: s.axis || 0, data: s.data, cursor: "pointer", barMaxWidth: 48,
            emphasis: { focus: "series" } };
        })
      });
      chart.on("click", function (p) {
        var s = spec.series[p.seriesIndex];
        var link = s && s.links && s.links[p.dataIndex];
        if (link) { window.location.href = link; }
      });
      drawn.push(chart);
    });
    window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
  });
})();
