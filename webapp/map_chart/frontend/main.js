// The latent map: one Plotly chart that stays in the page while the server sends it new figures.
//
// Streamlit's own chart is created anew whenever its figure changes (its identity is the figure),
// so every model switch built new WebGL contexts and drew from nothing. Here each new figure goes
// to Plotly.react on the same chart: the points' buffers are replaced, the contexts are kept, and
// zoom, hidden classes and a selection last as long as the figure's uirevision / selectionrevision
// say (webapp/map_chart/__init__.py).
//
// What the chart sends back (the component's value): {"event": "select", "points": [test index…],
// "n": count} after a click, box or lasso selection, and with "points": [] when it is cleared.

const chart = document.getElementById("map");
let drawn = null;  // the figure and theme last drawn: a rerun that sends the same draws nothing
let sent = 0;

function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}

let clicked = null;  // the points a plain click just sent: Plotly's selection event after it holds the same

function report(points) {
  sent += 1;
  send("streamlit:setComponentValue", { value: { event: "select", points, n: sent }, dataType: "json" });
}

function sameAsClicked(points) {
  const same = clicked !== null && clicked.length === points.length && clicked.every((p, i) => p === points[i]);
  clicked = null;
  return same;
}

function themed(layout, theme) {
  // The page's font and text colour, as Streamlit's own charts take them; the figure's colours stay.
  if (!theme) return layout;
  const font = { family: theme.font, color: theme.textColor, ...(layout.font || {}) };
  return { ...layout, font, paper_bgcolor: layout.paper_bgcolor || "rgba(0,0,0,0)" };
}

function indices(event) {
  const found = new Set();
  for (const point of (event && event.points) || []) {
    const data = Array.isArray(point.customdata) ? point.customdata[0] : point.customdata;
    if (Number.isInteger(data)) found.add(data);
  }
  return Array.from(found).sort((a, b) => a - b);
}

function draw(args, theme) {
  const figure = JSON.parse(args.spec);
  // Plotly's own defaults under the page's theme, not plotly.py's template (Streamlit replaces it too)
  const layout = themed({ ...(figure.layout || {}), uirevision: args.uirevision,
                          selectionrevision: args.selectionrevision, template: undefined }, theme);
  // the screen's own resolution, up to Plotly's default 2: on a 1x screen (a projector's) a quarter of the pixels
  const ratio = Math.min(2, Math.max(1, window.devicePixelRatio || 1));
  const config = { displaylogo: false, responsive: true, plotGlPixelRatio: ratio,
                   displayModeBar: args.toolbar ? "hover" : false };
  if (args.selectable) {
    // As Streamlit's selectable charts: a click selects a point (shift adds), box and lasso in the mode bar.
    layout.clickmode = "event+select";
    if (!layout.dragmode) layout.dragmode = "pan";
  }
  const first = !chart._fullLayout;
  Plotly.react(chart, figure.data, layout, config);
  if (first && args.selectable) {
    // A plain click is sent at once: Plotly marks the point on the chart after it (its own selection
    // event then holds the same point, and is not sent again). Shift-click adds, box and lasso select:
    // those are sent from Plotly's selection event.
    chart.on("plotly_click", (event) => {
      if (!event || (event.event && event.event.shiftKey)) return;
      clicked = indices(event);
      report(clicked);
    });
    chart.on("plotly_selected", (event) => {
      if (!event) return;
      const points = indices(event);
      if (!sameAsClicked(points)) report(points);
    });
    chart.on("plotly_deselect", () => { clicked = null; report([]); });
  }
  send("streamlit:setFrameHeight", { height: args.height });
}

window.addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.type !== "streamlit:render") return;
  const key = JSON.stringify([data.args.signature, data.theme]);
  if (key === drawn) return;
  drawn = key;
  draw(data.args, data.theme);
});

send("streamlit:componentReady", { apiVersion: 1 });
