/* Dashboards: each <canvas data-chart data-url> is drawn by Chart.js from its JSON endpoint. */
(function () {
  "use strict";
  // The words come from the page (components/chart_text.html), translated; English if missing.
  function t(key, fallback) {
    var box = document.getElementById("chart-text");
    var el = box && box.content.querySelector('[data-k="' + key + '"]');
    return el ? el.textContent.trim() : fallback;
  }
  function seg(key) { return t("segment:" + key, key.replace("_", " ")); }
  var KEYS = { logged_in: "Logged in", voted: "Voted", commented: "Commented", posted: "Posted" };
  function word(k) { return t(k, KEYS[k]); }
  var palette = ["#1f5fbf", "#e8a317", "#1d7a43", "#b3261e", "#6a3fb5", "#0f7b6c", "#8a5a00", "#545d68", "#2c7be5"];
  function load(url) { return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }); }
  function empty(canvas, text) {
    var p = document.createElement("p"); p.className = "muted"; p.textContent = text;
    canvas.parentNode.replaceChild(p, canvas);
  }
  var builders = {
    "pipeline": function (d) {
      var dl = document.getElementById("pipeline-figures");
      if (dl) dl.textContent = t("figures", "With potential: {potential} · awaiting analysis: {awaiting} · past SLA: {late}")
        .replace("{potential}", d.with_potential).replace("{awaiting}", d.awaiting_analysis).replace("{late}", d.past_sla);
      return { type: "bar", data: { labels: d.stages.map(function (s) { return s.label; }),
        datasets: [{ label: t("stage", "Ideas that reached the stage"), data: d.stages.map(function (s) { return s.reached; }), backgroundColor: palette[0] }] },
        options: { indexAxis: "y" } };
    },
    "participation": function (d) {
      var keys = ["logged_in", "voted", "commented", "posted"];
      return { type: "bar", data: { labels: ["logged_in", "voted", "commented", "posted"].map(word),
        datasets: [{ label: t("percent", "% of headcount"), data: keys.map(function (k) { return d[k].percent; }), backgroundColor: palette[1] }] },
        options: { scales: { y: { beginAtZero: true, max: 100 } } } };
    },
    "participation-by-entity": function (d) {
      var keys = ["logged_in", "voted", "commented", "posted"];
      return { type: "bar", data: { labels: d.rows.map(function (r) { return r.entity; }),
        datasets: keys.map(function (k, i) { return { label: word(k), data: d.rows.map(function (r) { return r[k].percent; }), backgroundColor: palette[i] }; }) },
        options: { scales: { y: { beginAtZero: true, max: 100 } } } };
    },
    "participation-over-time": function (d) {
      var keys = ["logged_in", "voted", "commented", "posted"];
      return { type: "line", data: { labels: d.rows.map(function (r) { return r.month; }),
        datasets: keys.map(function (k, i) { return { label: word(k), data: d.rows.map(function (r) { return r[k]; }), borderColor: palette[i], backgroundColor: palette[i] }; }) } };
    },
    "gains": function (d) {
      return { type: "bar", data: { labels: d.by_theme.map(function (r) { return r.group + " " + r.year; }),
        datasets: [{ label: t("estimated", "Estimated €/year"), data: d.by_theme.map(function (r) { return r.estimated; }), backgroundColor: palette[7] },
                   { label: t("realised", "Realised €/year"), data: d.by_theme.map(function (r) { return r.realised; }), backgroundColor: palette[2] }] } };
    },
    "campaigns": function (d) {
      return { type: "bar", data: { labels: d.rows.map(function (r) { return r.campaign; }),
        datasets: [{ label: t("gini", "Gini of votes (0 = even, 1 = one idea takes all)"), data: d.rows.map(function (r) { return r.gini; }), backgroundColor: palette[4] }] },
        options: { scales: { y: { beginAtZero: true, max: 1 } } } };
    },
    "segments": function (d) {
      var body = document.querySelector("#segment-table tbody");
      if (body) d.rows.forEach(function (r) {
        var tr = document.createElement("tr");
        [seg(r.segment), r.headcount, r.mode].forEach(function (v) { var td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
        body.appendChild(tr);
      });
      var max = Math.max.apply(null, d.rows.map(function (r) { return r.headcount; }).concat([1]));
      return { type: "bubble", data: { datasets: d.rows.filter(function (r) { return r.headcount > 0; }).map(function (r, i) {
          return { label: seg(r.segment), backgroundColor: palette[i % palette.length] + "aa",
            data: [{ x: r.headcount, y: r.median_influence * 1000, r: 6 + 30 * Math.sqrt(r.headcount / max) }] }; }) },
        options: { scales: { x: { title: { display: true, text: t("people", "people") } }, y: { title: { display: true, text: t("influence", "median influence (‰)") } } } } };
    }
  };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    load(canvas.dataset.url).then(function (data) {
      if (data.error) return empty(canvas, data.error);
      if (data.message && !(data.rows && data.rows.length)) return empty(canvas, data.message);
      var config = builders[canvas.dataset.chart](data);
      // Numbers and dates as the page's language writes them, not the browser's ("1 500" in French).
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false,
        locale: document.documentElement.lang || undefined }, config.options || {});
      new window.Chart(canvas, config);
      canvas.dataset.drawn = "true";
    });
  });
  var table = document.getElementById("migration-table");
  if (table) load(table.dataset.url).then(function (d) {
    if (d.error) return;
    var body = table.querySelector("tbody");
    var head = document.createElement("tr"); head.appendChild(document.createElement("th"));
    d.segments.forEach(function (s) { var th = document.createElement("th"); th.scope = "col"; th.textContent = seg(s); head.appendChild(th); });
    body.appendChild(head);
    d.matrix.forEach(function (row, i) {
      var tr = document.createElement("tr"); var th = document.createElement("th"); th.scope = "row"; th.textContent = seg(d.segments[i]); tr.appendChild(th);
      row.forEach(function (n) { var td = document.createElement("td"); td.textContent = n; tr.appendChild(td); });
      body.appendChild(tr);
    });
  });
})();
