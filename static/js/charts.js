/*
 * Musaada charts: draws each <canvas data-chart="ID"> with Chart.js from the JSON in
 * <script type="application/json" id="ID"> (written by Django's json_script filter).
 *
 * No inline script anywhere (Content-Security-Policy: script-src 'self'). Right-to-left pages
 * get right-to-left legends and tooltips, and the category axis runs from the right. Numbers
 * are always written with Western digits; amounts with three decimals and a dot (KWD).
 *
 * The JSON: {type: "bar"|"line", horizontal: bool, labels: [..],
 *            datasets: [{label: "..", money: bool, data: [..]}]}
 */
(function () {
  "use strict";

  var PALETTE = ["#0f5c4d", "#d08c2f", "#3b7dd8", "#b02a37", "#6f42c1"];
  var money = new Intl.NumberFormat("en-US", {
    minimumFractionDigits: 3,
    maximumFractionDigits: 3,
  });
  var whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  var compact = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var rtl = document.documentElement.getAttribute("dir") === "rtl";
    var isMoney = spec.datasets.some(function (d) {
      return d.money;
    });
    var horizontal = Boolean(spec.horizontal);
    var narrow = window.matchMedia("(max-width: 575.98px)").matches;
    var categoryAxis = horizontal ? "y" : "x";
    var valueAxis = horizontal ? "x" : "y";

    var scales = {};
    scales[categoryAxis] = {
      // Categories are read from the right in Arabic: the first one sits at the right edge.
      reverse: rtl && !horizontal,
      position: horizontal ? (rtl ? "right" : "left") : "bottom",
      grid: { display: false },
      ticks: { autoSkip: !horizontal },
    };
    scales[valueAxis] = {
      beginAtZero: true,
      // Horizontal bars grow from the right in Arabic.
      reverse: rtl && horizontal,
      position: horizontal ? "bottom" : rtl ? "right" : "left",
      ticks: {
        precision: isMoney ? undefined : 0,
        callback: function (value) {
          return isMoney ? compact.format(value) : whole.format(value);
        },
      },
    };

    if (horizontal) {
      // One bar every ~30 px: the box grows with the number of organisations shown.
      var box = canvas.parentNode;
      box.style.height = Math.max(160, 48 + spec.labels.length * 30) + "px";
    }

    var chart = new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          var colour = PALETTE[index % PALETTE.length];
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: colour,
            borderColor: colour,
            borderWidth: spec.type === "line" ? 2 : 0,
            pointRadius: spec.type === "line" ? 3 : 0,
            // Straight segments: a month's figure is a point, nothing lies between two months.
            tension: 0,
            maxBarThickness: 48,
          };
        }),
      },
      options: {
        // Western digits whatever the browser's language (the page's own rule for numbers).
        locale: "en-US",
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: !horizontal,
        // A phone is narrow: a taller chart, and room at both ends for the slanted labels of
        // the first and last categories, which Chart.js would otherwise cut at the edge.
        aspectRatio: narrow ? 1.2 : 2.4,
        layout: { padding: narrow ? { left: 40, right: 40 } : 0 },
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: {
            position: "top",
            align: "start",
            rtl: rtl,
            textDirection: rtl ? "rtl" : "ltr",
          },
          tooltip: {
            rtl: rtl,
            textDirection: rtl ? "rtl" : "ltr",
            callbacks: {
              label: function (context) {
                var value = context.parsed[valueAxis];
                var text = context.dataset.label + ": ";
                return text + (isMoney ? money.format(value) : whole.format(value));
              },
            },
          },
        },
        scales: scales,
      },
    });
    canvas.setAttribute("data-chart-drawn", "true");
    return chart;
  }

  function drawAll() {
    if (!window.Chart) {
      return;
    }
    var body = window.getComputedStyle(document.body);
    window.Chart.defaults.font.family = body.fontFamily;
    window.Chart.defaults.color = "#33413d";
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  // Draw once the page's fonts are there, so Arabic labels are measured with the right font.
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(drawAll);
  } else {
    drawAll();
  }
})();
