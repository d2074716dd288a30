// The latent map: one Plotly chart that stays in the page while the server sends it new figures.
// A components-v2 module (explorer_app/map_chart/__init__.py): Streamlit calls it in the page itself each
// time the chart's data changes.
//
// Streamlit's own chart is created anew whenever its figure changes (its identity is the figure),
// so every model switch built new WebGL contexts and drew from nothing. Here each new figure goes
// to Plotly.react on the same chart: the points' buffers are replaced, the contexts are kept, and
// zoom, hidden classes and a selection last as long as the figure's uirevision / selectionrevision
// say.
//
// What the chart sends back (its state "selection"): {"event": "select", "points": [test index…],
// "n": count} after a click, box or lasso selection, and with "points": [] when it is cleared.

// Selections sent from this page: each event differs from the last (a point clicked again after a clear
// is sent again), whichever chart sent it and even if Streamlit made the chart's element anew.
let sent = 0;

function plotlyLoaded(address, id) {
  // The page's first element started loading Plotly at the map's addresses; elsewhere (a link from
  // another page) it is loaded now. Either way one script element (its id from the server), run once.
  if (window.Plotly) return Promise.resolve(window.Plotly);
  let script = document.getElementById(id);
  if (!script) {
    script = document.createElement("script");
    script.id = id;
    // the server's base address: where Streamlit's own code is served from, two folders up
    const main = document.querySelector('script[type="module"][src*="/static/js/"]');
    script.src = new URL(address, main ? new URL("../../", main.src) : document.baseURI).href;
    document.head.appendChild(script);
  }
  return new Promise((resolve, reject) => {
    script.addEventListener("load", () => resolve(window.Plotly), { once: true });
    script.addEventListener("error", () => reject(new Error("Plotly could not be loaded")), { once: true });
  });
}

function indices(event) {
  const found = new Set();
  for (const point of (event && event.points) || []) {
    const data = Array.isArray(point.customdata) ? point.customdata[0] : point.customdata;
    if (Number.isInteger(data)) found.add(data);
  }
  return Array.from(found).sort((a, b) => a - b);
}

function themed(layout, style) {
  // The page's font and text colour, as Streamlit's own charts take them; the figure's colours stay.
  const font = { family: style.fontFamily, color: style.color, ...(layout.font || {}) };
  return { ...layout, font, paper_bgcolor: layout.paper_bgcolor || "rgba(0,0,0,0)" };
}

function listen(chart) {
  // A plain click is sent at once: Plotly marks the point on the chart after it (its own selection
  // event then holds the same point, and is not sent again). Shift-click adds, box and lasso select:
  // those are sent from Plotly's selection event.
  const own = chart.explorer;
  const report = (points) => {
    sent += 1;
    own.setStateValue("selection", { event: "select", points, n: sent });
  };
  own.report = report;
  chart.on("plotly_click", (event) => {
    if (!event || (event.event && event.event.shiftKey)) return;
    own.clicked = indices(event);
    report(own.clicked);
  });
  chart.on("plotly_selected", (event) => {
    if (!event) return;
    const points = indices(event), clicked = own.clicked;
    own.clicked = null;
    if (!(clicked && clicked.length === points.length && clicked.every((p, i) => p === points[i]))) report(points);
  });
  chart.on("plotly_deselect", () => { own.clicked = null; report([]); });
}

// --- the keyboard: Plotly has no keyboard use of its points, so the chart adds one -------------------------
// Focus the map (Tab), the arrow keys move to the nearest point in that direction (within 45° of it), Enter
// or Space selects it as a click does, Escape clears the selection; each move is said by a live region.

function visiblePoints(chart) {
  // Each drawn point of the classes shown: its trace and number, its test index, its place in pixels.
  const points = [], layout = chart._fullLayout;
  (chart._fullData || []).forEach((trace, curve) => {
    if (trace.visible !== true || trace.showlegend === false || !trace.x) return;
    const xa = layout[trace.xaxis.replace("x", "xaxis")], ya = layout[trace.yaxis.replace("y", "yaxis")];
    for (let i = 0; i < trace.x.length; i++) {
      const data = trace.customdata ? trace.customdata[i] : null;  // an array, or a typed one
      const index = Array.isArray(data) ? data[0] : Number(data);
      if (!Number.isInteger(index)) continue;
      const px = xa.l2p(trace.x[i]), py = ya.l2p(trace.y[i]);
      if (px < 0 || py < 0 || px > xa._length || py > ya._length) continue;  // outside the zoomed view
      points.push({ curve, number: i, index, name: trace.name, px, py });
    }
  });
  return points;
}

const DIRECTIONS = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

function nextPoint(points, from, key) {
  // The nearest point in the key's direction, a point straight ahead preferred to one as near but aside.
  const [dx, dy] = DIRECTIONS[key];
  let best = null, bestCost = Infinity;
  for (const p of points) {
    const along = (p.px - from.px) * dx + (p.py - from.py) * dy;
    const aside = Math.abs((p.px - from.px) * dy - (p.py - from.py) * dx);
    if (along <= 0 || aside > along) continue;
    const cost = along + 2 * aside;
    if (cost < bestCost) { best = p; bestCost = cost; }
  }
  return best;
}

function announce(chart, text) {
  const region = chart.explorer.live;
  region.textContent = "";
  // set anew a moment later, so that a screen reader reads a repeated text again
  window.requestAnimationFrame(() => { region.textContent = text; });
}

function say(template, point) {
  return template.replace("{cls}", point.name).replace("{index}", String(point.index));
}

function keyboard(chart, Plotly) {
  const own = chart.explorer;
  if (!document.getElementById("explorer-map-focus")) {  // the focus seen: Plotly's own styles draw none
    const style = document.createElement("style");
    style.id = "explorer-map-focus";
    style.textContent = ".explorer-map:focus-visible { outline: 3px solid #0072B2; outline-offset: 2px; }";
    document.head.appendChild(style);
  }
  chart.addEventListener("focus", () => {
    const points = visiblePoints(chart);
    if (!points.length) return;
    if (!own.current || !points.some((p) => p.index === own.current.index)) {
      const layout = chart._fullLayout, cx = layout.xaxis._length / 2, cy = layout.yaxis._length / 2;
      own.current = points.reduce((a, b) => (Math.hypot(a.px - cx, a.py - cy) <= Math.hypot(b.px - cx, b.py - cy) ? a : b));
    }
    Plotly.Fx.hover(chart, [{ curveNumber: own.current.curve, pointNumber: own.current.number }]);
    announce(chart, say(own.strings.point, own.current) + " " + own.strings.keys);
  });
  chart.addEventListener("blur", () => Plotly.Fx.unhover(chart));
  chart.addEventListener("keydown", (event) => {
    if (event.key in DIRECTIONS) {
      event.preventDefault();  // the arrows move on the map, not the page
      const points = visiblePoints(chart);
      const from = own.current && points.find((p) => p.index === own.current.index);
      const next = from ? nextPoint(points, from, event.key) : points[0];
      if (!next) { announce(chart, own.strings.edge); return; }
      own.current = next;
      Plotly.Fx.hover(chart, [{ curveNumber: next.curve, pointNumber: next.number }]);
      announce(chart, say(own.strings.point, next));
    } else if ((event.key === "Enter" || event.key === " ") && own.current) {
      event.preventDefault();
      const chosen = own.current;
      // marked as Plotly marks a clicked point, then sent as a click is
      const marks = chart._fullData.map((_, curve) => (curve === chosen.curve ? [chosen.number] : []));
      Plotly.restyle(chart, { selectedpoints: marks });
      own.clicked = [chosen.index];
      own.report([chosen.index]);
      announce(chart, say(own.strings.selected, chosen));
    } else if (event.key === "Escape") {
      Plotly.restyle(chart, { selectedpoints: [null] });
      own.clicked = null;
      own.report([]);
      announce(chart, own.strings.cleared);
    }
  });
}

function busy(chart, work) {
  // While the chart draws (a figure, or a new width) it is marked data-drawing: the browser tests wait
  // for that to end before they point at a point.
  const own = chart.explorer;
  own.busy += 1;
  chart.dataset.drawing = "";
  Promise.resolve(work).catch(() => {}).finally(() => {
    own.busy -= 1;
    if (!own.busy) delete chart.dataset.drawing;
  });
}

function follow(chart, Plotly) {
  // The chart follows its column's width; once the page has dropped it, Plotly lets its WebGL go.
  let width = chart.clientWidth;
  const resized = new ResizeObserver(() => {
    if (!chart.isConnected) {
      resized.disconnect();
      Plotly.purge(chart);
    } else if (chart._fullLayout && chart.clientWidth !== width) {
      width = chart.clientWidth;
      busy(chart, Plotly.Plots.resize(chart));
    }
  });
  resized.observe(chart);
}

export default function (component) {
  const { parentElement, data, setStateValue } = component;
  let chart = parentElement.querySelector(".explorer-map");
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "explorer-map";
    chart.explorer = { drawn: null, clicked: null, listening: false, busy: 0, current: null };
    const live = document.createElement("div");  // what the keyboard does, said to a screen reader
    live.className = "explorer-map-live";
    live.setAttribute("aria-live", "polite");
    live.setAttribute("role", "status");
    live.style.cssText = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap";
    chart.explorer.live = live;
    parentElement.appendChild(chart);
    parentElement.appendChild(live);
  }
  const own = chart.explorer;
  own.setStateValue = setStateValue;
  own.strings = JSON.parse(data.strings);
  if (data.selectable) {
    chart.tabIndex = 0;
    chart.setAttribute("role", "application");
    chart.setAttribute("aria-roledescription", own.strings.role);
  }
  chart.setAttribute("aria-label", own.strings.label);
  const style = getComputedStyle(parentElement);
  const key = JSON.stringify([data.signature, style.fontFamily, style.color]);
  if (key === own.drawn) return;  // a rerun that sends the same figure draws nothing
  own.drawn = key;
  busy(chart, plotlyLoaded(data.plotly, data.plotly_script).then((Plotly) => {
    if (own.drawn !== key) return null;  // a newer figure came while Plotly loaded
    const figure = JSON.parse(data.spec);
    // Plotly's own defaults under the page's theme, not plotly.py's template (Streamlit replaces it too)
    const layout = themed({ ...(figure.layout || {}), uirevision: data.uirevision,
                            selectionrevision: data.selectionrevision, template: undefined }, style);
    // the screen's own resolution, up to Plotly's default 2: on a 1x screen (a projector's) a quarter of the pixels
    const ratio = Math.min(2, Math.max(1, window.devicePixelRatio || 1));
    const config = { displaylogo: false, plotGlPixelRatio: ratio, displayModeBar: data.toolbar ? "hover" : false };
    if (data.selectable) {
      // As Streamlit's selectable charts: a click selects a point (shift adds), box and lasso in the mode bar.
      layout.clickmode = "event+select";
      if (!layout.dragmode) layout.dragmode = "pan";
    }
    const first = !chart._fullLayout;
    const drawn = Plotly.react(chart, figure.data, layout, config);
    if (first) follow(chart, Plotly);
    if (data.selectable && !own.listening) {
      own.listening = true;
      listen(chart);
      keyboard(chart, Plotly);
    }
    return drawn;
  }));
}
