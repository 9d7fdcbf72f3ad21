// The dashboard's progressive enhancement: charts from data attributes, and the CSV import with a progress bar.
// Every page works without it; no inline scripts (the CSP forbids them).
(function () {
  "use strict";

  function drawCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) return;
      canvas.dataset.drawn = "1";
      var spec = JSON.parse(canvas.dataset.chart);
      var colours = ["#1f5f8b", "#2e7d32", "#c62828", "#f9a825", "#6a1b9a"];
      new window.Chart(canvas, {
        type: spec.kind,
        data: {
          labels: spec.labels,
          datasets: spec.series.map(function (s, i) {
            return { label: s.label, data: s.values, borderColor: colours[i % colours.length], backgroundColor: colours[i % colours.length], pointRadius: 0, borderWidth: 2, yAxisID: i === 0 ? "y" : "y1" };
          })
        },
        options: {
          animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
          // Counts: whole-number ticks only (precision 0), never "0.5 readers".
          scales: {
            y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
            y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: { precision: 0 } }
          }
        }
      });
    });
  }

  // Sends the chosen file as the request body (streamed into the importer), showing upload progress; the server
  // reads as it imports, so the bar follows the import. The antiforgery token goes in a header.
  function enhanceImport(form) {
    var bar = document.getElementById("import-progress");
    var status = document.getElementById("import-status");
    var report = document.getElementById("import-report");
    form.addEventListener("submit", function (event) {
      var file = form.querySelector("input[type=file]").files[0];
      if (!file || !window.XMLHttpRequest) return;
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      var mode = form.querySelector("[name=mode]").value;
      xhr.open("POST", form.action + "?mode=" + encodeURIComponent(mode));
      xhr.setRequestHeader("Content-Type", "text/csv");
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.setRequestHeader("RequestVerificationToken", form.querySelector("[name=__RequestVerificationToken]").value);
      bar.classList.remove("hidden");
      bar.value = 0;
      status.textContent = "Uploading and importing…";
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; status.textContent = "Imported " + Math.round(100 * e.loaded / e.total) + "% of the file…"; }
      };
      xhr.upload.onload = function () { bar.removeAttribute("value"); status.textContent = "Finishing the import…"; };
      xhr.onload = function () {
        bar.max = 1; bar.value = 1;
        status.textContent = xhr.status === 200 ? "Import finished." : "The import failed (" + xhr.status + ").";
        if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) report.innerHTML = xhr.responseText; else report.textContent = xhr.responseText;
      };
      xhr.onerror = function () { status.textContent = "The upload failed: check the connection and try again."; };
      xhr.send(file);
    });
  }

  // On a narrow screen wide tables scroll sideways inside themselves (dashboard.css): such a table takes keyboard
  // focus, so it can be scrolled without a mouse.
  function focusableScrollers(root) {
    root.querySelectorAll("main table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) table.setAttribute("tabindex", "0");
      else table.removeAttribute("tabindex");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
    focusableScrollers(document);
    window.addEventListener("resize", function () { focusableScrollers(document); });
    var form = document.getElementById("import-form");
    if (form) enhanceImport(form);
  });
  document.addEventListener("htmx:afterSettle", function (e) { drawCharts(e.target); focusableScrollers(document); });
})();
