// The compare page: draw each A-vs-B chart from its figure JSON; show all rows.
"use strict";

for (const el of document.querySelectorAll(".chart[data-figure]")) {
  const figure = JSON.parse(el.dataset.figure);
  Plotly.newPlot(el, figure.data, figure.layout, {displaylogo: false, responsive: true});
}

const showAll = document.getElementById("show-all");
showAll.addEventListener("change", () => {
  document.getElementById("diff").classList.toggle("show-all", showAll.checked);
});
