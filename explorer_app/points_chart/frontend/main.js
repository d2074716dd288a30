// A map of many points (up to a million, unsampled) drawn with regl-scatterplot (WebGL), vendored from npm
// (vendor/regl-scatterplot/NOTICE.md). The server (explorer_app/points_chart/__init__.py) sends the points as
// binary arguments: x and y already in [-1, 1] (one scale for both axes, so the map keeps its shape), each
// point's class (uint8) and its image's index (int32).
//
// Pan: drag. Zoom: the wheel. Hover: the point's class and image. Click: selects it. Lasso: shift-drag, or the
// lasso button. Double-click on nothing or Escape: clears. The legend hides and shows classes. From the
// keyboard: Tab to the map, arrows move to the nearest point that way, Enter selects, Escape clears.
// Drawn over the points, on a 2-D canvas that follows the view: thumbnails of some points, and marks (prior
// samples, neighbours). Under them, for a map larger than the browser is sent, the density of all its points.
//
// What goes back (the component's value):
//   {"event": "select", "points": [image index…] (at most MAX_SENT), "count": points selected, "n": counter}
//   {"event": "view", "x0", "x1", "y0", "y1", "n"}  (only for a map larger than the browser holds: the server
//                                                    then sends the points under the view)
// The Streamlit component protocol (v1) is written by hand, as in explorer_app/browser_decoder.

import { createScatterplot } from "./vendor/regl-scatterplot/regl-scatterplot.js";

const MAX_SENT = 5000; // image indices sent for one selection: the server shows a few dozen of them
const THUMB = 30; // CSS pixels of a thumbnail on the map
const stage = document.getElementById("stage");
const canvas = document.getElementById("points");
const overlay = document.getElementById("overlay");
const densityCanvas = document.getElementById("density");
const tip = document.getElementById("tip");
const legend = document.getElementById("legend");
const tools = document.getElementById("tools");
const live = document.getElementById("live");

// What the browser tests and bench/many_points.py read.
const stats = { points: 0, draws: 0, firstDrawMs: null, lastDrawMs: null, selected: [], symbols: 0 };
window.pointsChart = stats;
// where point i is in the frame's viewport, and the image it is
stats.place = (i) => { const box = stage.getBoundingClientRect(); return [box.left + xScale(map.x[i]), box.top + yScale(map.y[i])]; };
stats.image = (i) => map.indices[i];
stats.plot = () => plot;

function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}
let sent = 0;
function setValue(value) {
  sent += 1;
  send("streamlit:setComponentValue", { value: { ...value, n: sent }, dataType: "json" });
}
function fitHeight() {
  send("streamlit:setFrameHeight", { height: Math.ceil(document.body.scrollHeight) + 4 });
}

function asBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value && value.buffer instanceof ArrayBuffer) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}
function typed(value, Type) {
  const bytes = asBytes(value);
  return bytes ? new Type(bytes.slice().buffer) : null; // a copy: aligned for the type
}

// A linear scale with the parts of d3's API regl-scatterplot uses: it keeps the domains in view up to date,
// and the overlay places thumbnails and marks with them.
function linearScale(domain, range) {
  let d = domain.slice(), r = range.slice();
  const scale = (v) => r[0] + ((v - d[0]) / (d[1] - d[0])) * (r[1] - r[0]);
  scale.domain = (next) => (next === undefined ? d.slice() : ((d = next.slice()), scale));
  scale.range = (next) => (next === undefined ? r.slice() : ((r = next.slice()), scale));
  scale.invert = (p) => d[0] + ((p - r[0]) / (r[1] - r[0])) * (d[1] - d[0]);
  scale.copy = () => linearScale(d, r);
  return scale;
}

let plot = null;
let xScale = null, yScale = null;
let map = null; // what is drawn: {x, y, labels, indices, n, args}
let hidden = new Set(); // classes hidden from the legend
let current = null; // the point the keyboard is on
let sprites = null; // the thumbnails' image, once loaded
let density = null; // the density image of a larger map, once loaded
let shownPoints = null, pointsKey = null;
let chartSelection = null; // the points selected on the chart itself: the page's selection echoes some of them

function size(args) {
  const width = Math.max(100, stage.clientWidth);
  return { width, height: args ? args.height : map ? map.args.height : 500 };
}

function resize(width, height) {
  // The chart takes its new size first; then new scales, whose domains regl-scatterplot works out from the new
  // projection (set with the size, they kept the old one's: the overlay drew beside the points).
  stage.style.height = `${height}px`;
  for (const c of [canvas, overlay, densityCanvas]) { c.style.width = `${width}px`; c.style.height = `${height}px`; }
  plot.set({ width, height });
  xScale = linearScale([-1, 1], [0, width]);
  yScale = linearScale([-1, 1], [height, 0]);
  plot.set({ xScale, yScale });
}

function create(args) {
  const { width, height } = size(args);
  stage.style.height = `${height}px`;
  for (const c of [canvas, overlay, densityCanvas]) { c.style.width = `${width}px`; c.style.height = `${height}px`; }
  xScale = linearScale([-1, 1], [0, width]);
  yScale = linearScale([-1, 1], [height, 0]);
  plot = createScatterplot({
    canvas, width, height, xScale, yScale,
    backgroundColor: [0, 0, 0, 0], // the density canvas under it shows through
    pointColorActive: "#0E1117", pointColorHover: "#0E1117", pointOutlineWidth: 2, pointSizeSelected: 4,
    lassoColor: "#0072B2", lassoMinDelay: 0, lassoMinDist: 2, deselectOnDblClick: true, deselectOnEscape: false,
    performanceMode: args.n > 500000, // squares, no blending: a million points pan at the browser's frame rate
  });
  plot.subscribe("select", ({ points }) => {
    stats.selected = points.slice(0, MAX_SENT);
    const images = [];
    for (let i = 0; i < points.length && images.length < MAX_SENT; i++) images.push(map.indices[points[i]]);
    chartSelection = new Set(points);
    setValue({ event: "select", points: images, count: points.length });
  });
  plot.subscribe("deselect", () => {
    stats.selected = [];
    chartSelection = new Set();
    setValue({ event: "select", points: [], count: 0 });
  });
  plot.subscribe("pointover", (i) => showTip(i));
  plot.subscribe("pointout", () => { tip.style.display = "none"; });
  plot.subscribe("view", () => { paintOverlay(); paintDensity(); viewChanged(); });
  new ResizeObserver(() => {
    const next = size();
    if (!plot || next.width === Math.round(parseFloat(canvas.style.width))) return;
    resize(next.width, next.height);
    paintOverlay(); paintDensity();
  }).observe(stage);
  stage.addEventListener("keydown", keyboard);
  stage.addEventListener("focus", () => {
    if (!map || !map.n) return;
    if (current === null || current >= map.n) current = nearestToCentre();
    if (current !== null) { plot.hover(current); say(map.args.strings.point, current, " " + map.args.strings.keys); }
  });
  stage.addEventListener("blur", () => plot.hover(-1));
  buildTools(args);
}

function buildTools(args) {
  const s = args.strings;
  const pan = document.createElement("button"), lasso = document.createElement("button");
  const reset = document.createElement("button"), count = document.createElement("span");
  pan.textContent = s.pan; lasso.textContent = s.lasso; reset.textContent = s.reset;
  count.id = "count";
  const mode = (name) => {
    plot.set({ mouseMode: name });
    pan.setAttribute("aria-pressed", String(name === "panZoom"));
    lasso.setAttribute("aria-pressed", String(name === "lasso"));
  };
  pan.addEventListener("click", () => mode("panZoom"));
  lasso.addEventListener("click", () => mode("lasso"));
  reset.addEventListener("click", () => plot.reset());
  mode("panZoom");
  tools.replaceChildren(pan, lasso, reset, count);
}

function classColour(c) {
  const colours = map.args.colors;
  return colours[c % colours.length];
}

function buildLegend(args) {
  legend.replaceChildren();
  const present = new Uint8Array(256);
  for (let i = 0; i < map.n; i++) present[map.labels[i]] = 1;
  args.class_names.forEach((name, c) => {
    if (!present[c]) return;
    const item = document.createElement("button");
    item.setAttribute("aria-pressed", String(!hidden.has(c)));
    item.title = args.strings.hide;
    const swatch = document.createElement("canvas"); // the class's colour and symbol, as drawn on the map
    swatch.width = swatch.height = 14;
    swatch.setAttribute("aria-hidden", "true");
    drawSymbol(swatch.getContext("2d"), classSymbol(c), 7, 7, classColour(c), 5);
    item.append(swatch, document.createTextNode(name));
    item.addEventListener("click", () => {
      if (hidden.has(c)) hidden.delete(c); else hidden.add(c);
      item.setAttribute("aria-pressed", String(!hidden.has(c)));
      applyFilter();
    });
    legend.appendChild(item);
  });
  for (const mark of args.marks || []) {
    const item = document.createElement("span");
    item.style.cssText = "font-size:13px;display:inline-flex;align-items:center;gap:5px;padding:2px 4px";
    const swatch = document.createElement("canvas");
    swatch.width = swatch.height = 14;
    drawSymbol(swatch.getContext("2d"), mark.symbol, 7, 7, mark.colour);
    item.append(swatch, document.createTextNode(mark.name));
    legend.appendChild(item);
  }
}

function applyFilter() {
  if (!hidden.size) { plot.unfilter({ preventEvent: true }); paintOverlay(); return; }
  const kept = [];
  for (let i = 0; i < map.n; i++) if (!hidden.has(map.labels[i])) kept.push(i);
  plot.filter(kept, { preventEvent: true });
  paintOverlay();
}

function showTip(i) {
  if (!map || i === undefined || i < 0 || i >= map.n) return;
  const s = map.args.strings;
  tip.textContent = s.hover.replace("{cls}", map.args.class_names[map.labels[i]] || "?")
    .replace("{index}", String(map.indices[i]));
  const px = xScale(map.x[i]), py = yScale(map.y[i]);
  tip.style.display = "block";
  const w = tip.offsetWidth;
  tip.style.left = `${Math.min(Math.max(0, px + 10), stage.clientWidth - w)}px`;
  tip.style.top = `${Math.max(0, py - 30)}px`;
}

// --- the overlay: thumbnails and marks, placed anew whenever the view moves -----------------------------------

// Plotly's marker symbols (explorer.present.figures.CLASS_SYMBOLS), drawn on a 2-D canvas: the classes' second
// channel beside colour, on the points once few enough are in view, and in the legend.
function polygon(ctx, px, py, r, corners, turn, inner = null) {
  const steps = inner === null ? corners : 2 * corners;
  for (let k = 0; k < steps; k++) {
    const radius = inner !== null && k % 2 ? inner : r, angle = turn + (k * 2 * Math.PI) / steps;
    const x = px + radius * Math.sin(angle), y = py - radius * Math.cos(angle);
    if (k) ctx.lineTo(x, y); else ctx.moveTo(x, y);
  }
  ctx.closePath();
}

function drawSymbol(ctx, symbol, px, py, colour, r = 5) {
  ctx.strokeStyle = colour; ctx.fillStyle = colour; ctx.lineWidth = Math.max(1.5, r / 2.5);
  ctx.beginPath();
  if (symbol === "circle") { ctx.arc(px, py, r, 0, 2 * Math.PI); ctx.fill(); }
  else if (symbol === "square") { ctx.rect(px - r * 0.85, py - r * 0.85, 1.7 * r, 1.7 * r); ctx.fill(); }
  else if (symbol === "diamond") { polygon(ctx, px, py, r * 1.15, 4, 0); ctx.fill(); }
  else if (symbol === "triangle-up") { polygon(ctx, px, py, r * 1.1, 3, 0); ctx.fill(); }
  else if (symbol === "triangle-down") { polygon(ctx, px, py, r * 1.1, 3, Math.PI); ctx.fill(); }
  else if (symbol === "pentagon") { polygon(ctx, px, py, r * 1.05, 5, 0); ctx.fill(); }
  else if (symbol === "star") { polygon(ctx, px, py, r * 1.25, 5, 0, r * 0.5); ctx.fill(); }
  else if (symbol === "hexagram") { polygon(ctx, px, py, r * 1.15, 6, 0, r * 0.66); ctx.fill(); }
  else if (symbol === "x") { ctx.moveTo(px - r, py - r); ctx.lineTo(px + r, py + r); ctx.moveTo(px + r, py - r); ctx.lineTo(px - r, py + r); ctx.stroke(); }
  else { ctx.moveTo(px - r, py); ctx.lineTo(px + r, py); ctx.moveTo(px, py - r); ctx.lineTo(px, py + r); ctx.stroke(); } // cross
}

function classSymbol(c) {
  const symbols = map.args.symbols || ["circle"];
  return symbols[c % symbols.length];
}

function prepared(c) {
  const ratio = window.devicePixelRatio || 1, width = stage.clientWidth, height = map ? map.args.height : 500;
  if (c.width !== Math.floor(width * ratio) || c.height !== Math.floor(height * ratio)) {
    c.width = Math.floor(width * ratio); c.height = Math.floor(height * ratio);
  }
  const ctx = c.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

function paintOverlay() {
  if (!map) return;
  const ctx = prepared(overlay), args = map.args;
  // The class symbols, where the view holds few enough points for them to be told apart (as on the Plotly map)
  const inView = plot.get("pointsInView");
  stats.symbols = 0;
  if (inView.length <= (args.symbol_limit || 0)) {
    const r = 4.5 * (args.projector ? 1.8 : 1);
    for (const i of inView) {
      const c = map.labels[i];
      if (hidden.has(c)) continue;
      drawSymbol(ctx, classSymbol(c), xScale(map.x[i]), yScale(map.y[i]), classColour(c), r);
      stats.symbols += 1;
    }
  }
  if (sprites && args.thumbs) {
    const { cell, cols, points } = args.thumbs;
    points.forEach((p, k) => {
      if (p >= map.n || hidden.has(map.labels[p])) return;
      const px = xScale(map.x[p]), py = yScale(map.y[p]);
      if (px < -THUMB || py < -THUMB || px > overlay.clientWidth + THUMB || py > args.height + THUMB) return;
      ctx.drawImage(sprites, (k % cols) * cell, Math.floor(k / cols) * cell, cell, cell,
                    px - THUMB / 2, py - THUMB / 2, THUMB, THUMB);
      ctx.strokeStyle = classColour(map.labels[p]); ctx.lineWidth = 2;
      ctx.strokeRect(px - THUMB / 2, py - THUMB / 2, THUMB, THUMB);
    });
  }
  for (const mark of args.marks || []) {
    for (let i = 0; i < mark.x.length; i++) drawSymbol(ctx, mark.symbol, xScale(mark.x[i]), yScale(mark.y[i]), mark.colour);
  }
}

function paintDensity() {
  const ctx = prepared(densityCanvas);
  if (!density || !map || !map.args.density) return;
  const [x0, x1, y0, y1] = map.args.density.bounds;
  const left = xScale(x0), right = xScale(x1), top = yScale(y1), bottom = yScale(y0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(density, left, top, right - left, bottom - top);
}

function loadImage(bytes) {
  return new Promise((resolve) => {
    if (!bytes) { resolve(null); return; }
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => resolve(null);
    image.src = URL.createObjectURL(new Blob([bytes], { type: "image/png" }));
  });
}

// --- a map larger than the browser holds: the server sends the points under the view -------------------------

let viewTimer = null, lastView = null;
function viewChanged() {
  if (!map || !map.args.lod) return;
  clearTimeout(viewTimer);
  viewTimer = setTimeout(() => {
    const [x0, x1] = xScale.domain(), [y0, y1] = yScale.domain();
    const view = [x0, x1, y0, y1].map((v) => Math.round(v * 1e4) / 1e4);
    if (JSON.stringify(view) === lastView) return;
    lastView = JSON.stringify(view);
    setValue({ event: "view", x0: view[0], x1: view[1], y0: view[2], y1: view[3] });
  }, 350);
}

// --- the keyboard ----------------------------------------------------------------------------------------------

const DIRECTIONS = { ArrowRight: [1, 0], ArrowLeft: [-1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

function candidates() {
  const inView = plot.get("pointsInView");
  return hidden.size ? inView.filter((i) => !hidden.has(map.labels[i])) : inView;
}

function nearestToCentre() {
  const cx = stage.clientWidth / 2, cy = map.args.height / 2;
  let best = null, bestDistance = Infinity;
  for (const i of candidates()) {
    const d = Math.hypot(xScale(map.x[i]) - cx, yScale(map.y[i]) - cy);
    if (d < bestDistance) { best = i; bestDistance = d; }
  }
  return best;
}

function nextPoint(from, key) {
  // The nearest point in the key's direction, within 45° of it; one straight ahead preferred to one aside.
  const [dx, dy] = DIRECTIONS[key], fx = xScale(map.x[from]), fy = yScale(map.y[from]);
  let best = null, bestCost = Infinity;
  for (const i of candidates()) {
    const ex = xScale(map.x[i]) - fx, ey = yScale(map.y[i]) - fy;
    const along = ex * dx + ey * dy, aside = Math.abs(ex * dy - ey * dx);
    if (along <= 0 || aside > along) continue;
    const cost = along + 2 * aside;
    if (cost < bestCost) { best = i; bestCost = cost; }
  }
  return best;
}

function say(template, i, extra = "") {
  const text = template.replace("{cls}", map.args.class_names[map.labels[i]] || "?").replace("{index}", String(map.indices[i])) + extra;
  live.textContent = "";
  window.requestAnimationFrame(() => { live.textContent = text; });
}

function keyboard(event) {
  if (!map || !map.n) return;
  const s = map.args.strings;
  if (event.key in DIRECTIONS) {
    event.preventDefault();
    const next = current === null ? nearestToCentre() : nextPoint(current, event.key);
    if (next === null) { live.textContent = s.edge; return; }
    current = next;
    plot.hover(current);
    showTip(current);
    say(s.point, current);
  } else if ((event.key === "Enter" || event.key === " ") && current !== null) {
    event.preventDefault();
    plot.select([current]); // sent as a click is
    say(s.selected, current);
  } else if (event.key === "Escape") {
    plot.deselect();
    live.textContent = s.cleared;
  }
}

// --- drawing what the server sent -------------------------------------------------------------------------------

async function render(args) {
  if (!plot) create(args);
  if (args.points_signature !== pointsKey) {
    pointsKey = args.points_signature;
    const start = performance.now();
    stage.dataset.drawing = "";
    const x = typed(args.x, Float32Array), y = typed(args.y, Float32Array);
    const labels = asBytes(args.labels), indices = typed(args.indices, Int32Array);
    map = { x, y, labels, indices, n: x.length, args };
    stats.points = map.n;
    stage.dataset.points = String(map.n);
    current = null;
    const { width, height } = size(args);
    if (height !== Math.round(parseFloat(canvas.style.height))) resize(width, height);
    plot.set({ pointColor: args.colors, colorBy: "valueA" });
    // the view is kept when the server sends the points under it (a larger map), not for a new map
    if (!args.lod || !lastView) plot.set({ cameraTarget: [0, 0], cameraDistance: 1 });
    const category = new Float32Array(map.n);
    for (let i = 0; i < map.n; i++) category[i] = labels[i];
    [sprites, density] = await Promise.all([loadImage(asBytes(args.thumbs_png)), loadImage(asBytes(args.density_png))]);
    await plot.draw({ x, y, valueA: category }, { zDataType: "categorical" });
    buildLegend(args);
    if (hidden.size) applyFilter();
    stats.draws += 1;
    stats.lastDrawMs = performance.now() - start;
    if (stats.firstDrawMs === null) stats.firstDrawMs = performance.now();
    shownPoints = null;
    chartSelection = null; // its numbers were the old points'
    delete stage.dataset.drawing;
  } else {
    map.args = args;
    [sprites] = await Promise.all([loadImage(asBytes(args.thumbs_png))]);
    buildLegend(args);
  }
  plot.set({ pointSize: args.point_size, opacity: args.opacity }); // presenter mode changes them, not the points
  document.body.style.fontSize = args.projector ? "18px" : "14px"; // presenter mode: read from the back of a room
  for (const el of document.querySelectorAll("#tools button, #legend button, #count")) el.style.fontSize = args.projector ? "18px" : "";
  stage.setAttribute("aria-label", args.strings.label);
  stage.setAttribute("aria-roledescription", args.strings.role);
  document.getElementById("count").textContent = args.strings.count;
  // The selection the page holds, marked without being sent back (it came from the server).
  // A lasso of thousands comes back as the first few hundred the page keeps: the chart's own marks stay.
  const selected = args.selected || [];
  const wanted = JSON.stringify(selected);
  const echo = chartSelection !== null && selected.length <= chartSelection.size
    && selected.every((p) => chartSelection.has(p)) && (selected.length > 0) === (chartSelection.size > 0);
  if (wanted !== shownPoints && !echo) {
    if (selected.length) plot.select(selected, { preventEvent: true });
    else plot.deselect({ preventEvent: true });
    chartSelection = null;
  }
  shownPoints = wanted;
  paintOverlay();
  paintDensity();
  fitHeight();
}

let shown = null;
let queue = Promise.resolve();
window.addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.type !== "streamlit:render") return;
  const args = data.args;
  const theme = data.theme || {};
  document.body.style.setProperty("--text", theme.textColor || "#0e1117");
  document.body.style.setProperty("--primary", theme.primaryColor || "#b3261e");
  if (theme.font) document.body.style.setProperty("--font", theme.font);
  if (args.signature === shown) return;
  shown = args.signature;
  queue = queue.then(() => render(args)).catch((err) => { console.error(err); delete stage.dataset.drawing; });
});
send("streamlit:componentReady", { apiVersion: 1 });
