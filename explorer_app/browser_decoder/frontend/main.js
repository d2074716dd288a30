// The browser decoder: decodes codes to images with onnxruntime-web (WebAssembly), with no
// message to the server while the pointer moves or a slider is dragged.
//
// Two views, chosen by the server (explorer_app/browser_decoder/__init__.py):
//   "map"     the flashlight: a 2-D map of test codes; the position under the pointer is turned
//             into a code (a latent-2 model's own plane: the position is the code; otherwise the
//             inverse-distance blend of the k nearest map points' codes, explorer/inverse.py) and
//             decoded by up to three models in lockstep (same neighbours, same weights, each
//             model's own codes of those test images). A click sends the point to the server.
//   "sliders" one slider per code dimension; the image follows while dragging, the server is
//             told the values on release.
// If WebAssembly or the runtime's files are unavailable, the server is told once ("failed") and
// falls back to its own views.
//
// The Streamlit component protocol (v1) is three messages, written here by hand rather than
// through streamlit-component-lib, which would bring React and Apache Arrow for nothing we use.

const RUNTIME = "./vendor/onnxruntime-web/";
const root = document.getElementById("root");
const stats = { frames: 0, latencies: [], runtimeMs: null, firstFrameMs: null, failed: null };
window.decoderStats = stats; // read by bench/browser_decoder.py and the browser tests

function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}
function setValue(value) {
  send("streamlit:setComponentValue", { value, dataType: "json" });
}
function fitHeight() {
  send("streamlit:setFrameHeight", { height: Math.ceil(document.body.scrollHeight) + 4 });
}

// --- the runtime and the models ---------------------------------------------------------

let runtime = null; // a promise of the ort module, loaded once per page
function loadRuntime() {
  if (runtime) return runtime;
  runtime = (async () => {
    const start = performance.now();
    if (typeof WebAssembly !== "object") throw new Error("webassembly");
    if (typeof DecompressionStream !== "function") throw new Error("decompression");
    // An exported site (explorer_app/site) opens from file://, where neither fetch nor a module import
    // reaches a file: its runtime.js holds the same three files as text, imported through blob URLs.
    const embedded = window.EXPLORER_RUNTIME;
    const blob = (text) => URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
    const [ort, packed] = await Promise.all([
      import(embedded ? blob(embedded.mjs) : RUNTIME + "ort.wasm.min.mjs"),
      embedded ? new Response(new Blob([base64Bytes(embedded.wasm_gz)])) : fetch(RUNTIME + "ort-wasm-simd-threaded.wasm.gz"),
    ]);
    if (!packed.ok) throw new Error("load");
    // Stored gzipped so the server sends 3.5 MB as they are instead of 14 MB (or compressing per request).
    const wasm = await new Response(packed.body.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    ort.env.wasm.wasmBinary = wasm;
    ort.env.wasm.numThreads = 1; // threads need cross-origin isolation; one is enough for these decoders
    ort.env.wasm.wasmPaths = { mjs: embedded ? blob(embedded.glue)
                                             : new URL(RUNTIME + "ort-wasm-simd-threaded.mjs", location.href).href };
    stats.runtimeMs = performance.now() - start;
    return ort;
  })();
  return runtime;
}

const sessions = new Map(); // model key → Promise<InferenceSession>
function session(ort, key, bytes) {
  if (!sessions.has(key)) sessions.set(key, ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] }));
  return sessions.get(key);
}

function base64Bytes(text) {
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

function asBytes(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value && value.buffer instanceof ArrayBuffer) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}
function floats(value) {
  const bytes = asBytes(value);
  return bytes ? new Float32Array(bytes.slice().buffer) : null; // a copy: aligned to 4 bytes
}

// IEEE half floats (the codes travel as float16) to Float32Array, without relying on Float16Array.
function halves(value) {
  const bytes = asBytes(value);
  if (!bytes) return null;
  const h = new Uint16Array(bytes.slice().buffer);
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const sign = h[i] & 0x8000 ? -1 : 1, exp = (h[i] >> 10) & 0x1f, frac = h[i] & 0x3ff;
    out[i] = exp === 0 ? sign * 2 ** -14 * (frac / 1024)
      : exp === 31 ? (frac ? NaN : sign * Infinity)
      : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

async function decode(ort, model, code) {
  const s = await session(ort, model.key, model.onnx);
  const out = await s.run({ code: new ort.Tensor("float32", code, [1, model.dim]) });
  return out.image.data;
}

// --- drawing ---------------------------------------------------------------------------

function imageCanvas(model, scale) {
  const [, h, w] = model.shape;
  const canvas = document.createElement("canvas");
  canvas.width = w * scale;
  canvas.height = h * scale;
  canvas.style.width = `${w * scale}px`;
  canvas.style.height = `${h * scale}px`;
  const small = document.createElement("canvas");
  small.width = w;
  small.height = h;
  return { canvas, small, pixels: small.getContext("2d").createImageData(w, h) };
}

function paint(target, model, data) {
  const [c, h, w] = model.shape;
  const px = target.pixels.data;
  const plane = h * w;
  for (let i = 0; i < plane; i++) {
    const r = data[i], g = c === 3 ? data[plane + i] : r, b = c === 3 ? data[2 * plane + i] : r;
    px[4 * i] = Math.round(Math.min(1, Math.max(0, r)) * 255);
    px[4 * i + 1] = Math.round(Math.min(1, Math.max(0, g)) * 255);
    px[4 * i + 2] = Math.round(Math.min(1, Math.max(0, b)) * 255);
    px[4 * i + 3] = 255;
  }
  target.small.getContext("2d").putImageData(target.pixels, 0, 0);
  const ctx = target.canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(target.small, 0, 0, target.canvas.width, target.canvas.height);
}

function figure(target, caption) {
  const fig = document.createElement("figure");
  const cap = document.createElement("figcaption");
  cap.textContent = caption;
  fig.append(target.canvas, cap);
  return fig;
}

function statusLine(text) {
  const line = document.createElement("div");
  line.className = "status";
  line.textContent = text;
  return line;
}

function fail(reason, strings) {
  if (stats.failed) return;
  stats.failed = reason;
  root.replaceChildren();
  const line = statusLine(strings[`failed_${reason}`] || strings.failed_load);
  line.classList.add("failed");
  root.append(line);
  fitHeight();
  setValue({ event: "failed", reason });
}

function reasonOf(err) {
  const message = String(err && err.message);
  return ["webassembly", "decompression", "load"].includes(message) ? message : "load";
}

// Decode at most one job at a time, at most once per frame, always the latest job: a pointer that
// moves faster than the decoder never builds a queue. draw(ort, job) returns false when its view is gone.
function frameLoop(strings, draw) {
  let pending = null, busy = false, scheduled = false;
  const frame = async () => {
    scheduled = false;
    if (busy || pending === null) return;
    const job = pending;
    pending = null;
    busy = true;
    try {
      const ort = await loadRuntime();
      if ((await draw(ort, job)) !== false) {
        stats.frames += 1;
        stats.latencies.push(performance.now() - job.t);
        if (stats.firstFrameMs === null) stats.firstFrameMs = performance.now();
      }
    } catch (err) {
      fail(reasonOf(err), strings);
    } finally {
      busy = false;
      if (pending !== null && !scheduled) { scheduled = true; requestAnimationFrame(frame); }
    }
  };
  return (job) => {
    pending = job;
    if (!scheduled) { scheduled = true; requestAnimationFrame(frame); }
  };
}

// --- the flashlight: map mode ------------------------------------------------------------

// The k map points nearest (x, y) and their normalised inverse-distance weights (explorer.inverse).
function nearest(xy, x, y, k, eps) {
  const n = xy.length / 2;
  const best = new Float64Array(k).fill(Infinity);
  const index = new Int32Array(k).fill(-1);
  for (let i = 0; i < n; i++) {
    const dx = xy[2 * i] - x, dy = xy[2 * i + 1] - y;
    const d2 = dx * dx + dy * dy;
    if (d2 >= best[k - 1]) continue;
    let j = k - 1;
    while (j > 0 && best[j - 1] > d2) { best[j] = best[j - 1]; index[j] = index[j - 1]; j--; }
    best[j] = d2;
    index[j] = i;
  }
  const weights = new Float64Array(k);
  let total = 0;
  for (let j = 0; j < k; j++) { weights[j] = 1 / (best[j] + eps); total += weights[j]; }
  for (let j = 0; j < k; j++) weights[j] /= total;
  return { index, weights };
}

function blend(codes, dim, near) {
  const z = new Float32Array(dim);
  for (let j = 0; j < near.index.length; j++) {
    const row = near.index[j] * dim, w = near.weights[j];
    for (let d = 0; d < dim; d++) z[d] += w * codes[row + d];
  }
  return z;
}

let current = null; // what the map view holds between render messages

function setupMap(args) {
  const strings = args.strings;
  const xy = floats(args.xy);
  const labels = asBytes(args.labels);
  const models = args.models.map((m, i) => ({ ...m, onnx: asBytes(args[`onnx_${i}`]), codes: halves(args[`codes_${i}`]) }));
  const n = xy.length / 2;
  let k = Math.max(1, Math.min(args.k, n));
  let [x0, x1, y0, y1] = args.bounds || [Infinity, -Infinity, Infinity, -Infinity];
  if (!args.bounds) for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, xy[2 * i]); x1 = Math.max(x1, xy[2 * i]);
    y0 = Math.min(y0, xy[2 * i + 1]); y1 = Math.max(y1, xy[2 * i + 1]);
  }
  const eps = 1e-6 * Math.max((x1 - x0) ** 2 + (y1 - y0) ** 2, 1e-12); // explorer.inverse.epsilon
  const pad = 0.04 * Math.max(x1 - x0, y1 - y0, 1e-9);
  const span = Math.max(x1 - x0, y1 - y0) + 2 * pad; // equal axes, as the server's map
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const side = args.height;
  const ratio = window.devicePixelRatio || 1;
  const toPixel = (x, y) => [((x - cx) / span + 0.5) * side, (0.5 - (y - cy) / span) * side];
  const toData = (px, py) => [cx + (px / side - 0.5) * span, cy + (0.5 - py / side) * span];

  const map = document.createElement("canvas");
  map.id = "map";
  map.width = side * ratio;
  map.height = side * ratio;
  map.style.width = `${side}px`;
  map.style.height = `${side}px`;
  const base = document.createElement("canvas");
  base.width = map.width;
  base.height = map.height;
  const bctx = base.getContext("2d");
  bctx.scale(ratio, ratio);
  bctx.fillStyle = args.background;
  bctx.fillRect(0, 0, side, side);
  bctx.globalAlpha = 0.7;
  for (let i = 0; i < n; i++) {
    const [px, py] = toPixel(xy[2 * i], xy[2 * i + 1]);
    bctx.fillStyle = args.colors[labels[i] % args.colors.length];
    bctx.fillRect(px - 1.5, py - 1.5, 3, 3);
  }

  const scale = Math.max(2, Math.floor(args.image_size / models[0].shape[2]));
  const targets = models.map((m) => imageCanvas(m, scale));
  const coords = statusLine("");
  const panel = document.createElement("div");
  panel.className = "panel";
  const decoded = document.createElement("div");
  decoded.className = "decoded";
  decoded.append(...targets.map((tg, i) => figure(tg, models[i].label)));
  const how = statusLine("");
  const describe = () => {
    how.textContent = models.every((m) => m.plane) ? strings.how_plane : strings.how_blend.replace("{k}", k);
  };
  describe();
  panel.append(decoded, coords, how);
  if (!models.every((m) => m.plane)) {
    // k, changed here without a message to the server: the click tells it which k the image used
    const label = document.createElement("label");
    label.className = "status";
    const input = Object.assign(document.createElement("input"), { type: "range", min: 1, max: 32, step: 1, value: k });
    input.id = "k";
    label.append(strings.k_label + " ", input);
    input.addEventListener("input", () => { k = Math.min(Number(input.value), n); view.k = k; describe(); });
    panel.append(label);
  }
  const legend = document.createElement("div");
  legend.className = "legend";
  for (const [i, name] of (args.class_names || []).entries()) {
    const item = document.createElement("span");
    item.textContent = name;
    item.style.setProperty("--swatch", args.colors[i % args.colors.length]);
    legend.append(item);
  }
  panel.append(legend, statusLine(strings.hint));
  map.setAttribute("aria-label", strings.hint);
  root.replaceChildren(map, panel);
  fitHeight();

  const view = { args, xy, models, targets, k, eps, map, base, toPixel, toData, ratio, side, coords, fixed: null, clicks: 0 };
  current = view;
  drawMap(view, null, null);

  const request = frameLoop(strings, async (ort, { x, y }) => {
    const near = nearest(xy, x, y, view.k, eps);
    const codes = models.map((m) => (m.plane ? new Float32Array([x, y]) : blend(m.codes, m.dim, near)));
    const images = await Promise.all(models.map((m, i) => decode(ort, m, codes[i])));
    if (current !== view) return false;
    images.forEach((data, i) => paint(targets[i], models[i], data));
    stats.last = { x, y, k: view.k, codes: codes.map((c) => Array.from(c)), image: Array.from(images[0]) };
    drawMap(view, [x, y], near);
    coords.textContent = strings.position.replace("{x}", x.toFixed(2)).replace("{y}", y.toFixed(2));
  });
  const where = (event) => {
    const box = map.getBoundingClientRect();
    return toData(event.clientX - box.left, event.clientY - box.top);
  };
  map.addEventListener("pointermove", (event) => {
    const [x, y] = where(event);
    request({ x, y, t: event.timeStamp });
  });
  let cursor = [cx, cy]; // the last position decoded, which the keyboard moves on from
  const keep = (x, y) => {
    const near = nearest(xy, x, y, 1, eps);
    view.fixed = [x, y];
    view.clicks += 1;
    drawMap(view, [x, y], null);
    setValue({ event: "fix", x, y, nearest: near.index[0], k: view.k, n: view.clicks });
  };
  map.addEventListener("pointermove", (event) => { cursor = where(event); });
  map.addEventListener("click", (event) => keep(...where(event)));
  // The keyboard (a presenter's clicker included): arrows move the flashlight by 1 % of the map
  // (10 % with Shift), Enter keeps the point.
  map.tabIndex = 0;
  map.addEventListener("keydown", (event) => {
    const step = (event.shiftKey ? 0.1 : 0.01) * span;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (event.key === "Enter") keep(...cursor);
    else if (moves[event.key]) {
      cursor = [cursor[0] + moves[event.key][0], cursor[1] + moves[event.key][1]];
      request({ x: cursor[0], y: cursor[1], t: event.timeStamp });
    } else return;
    event.preventDefault();
  });
  // Start the runtime and the models while the pointer is still away, then decode the map's centre.
  loadRuntime().then((ort) => Promise.all(models.map((m) => session(ort, m.key, m.onnx))))
    .then(() => {
      if (current !== view) return;
      if (stats.frames === 0) request({ x: cx, y: cy, t: performance.now() });
    })
    .catch((err) => fail(reasonOf(err), strings));
}

function drawMap(view, cursor, near) {
  const ctx = view.map.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(view.base, 0, 0);
  ctx.scale(view.ratio, view.ratio);
  if (near) {
    ctx.strokeStyle = "rgba(0,0,0,.85)";
    ctx.lineWidth = 1;
    for (const i of near.index) {
      const [px, py] = view.toPixel(view.xy[2 * i], view.xy[2 * i + 1]);
      ctx.strokeRect(px - 3, py - 3, 6, 6);
    }
  }
  if (view.fixed) {
    const [px, py] = view.toPixel(...view.fixed);
    ctx.fillStyle = "rgba(0,0,0,.9)";
    ctx.beginPath();
    ctx.arc(px, py, 5, 0, 2 * Math.PI);
    ctx.fill();
  }
  if (cursor) {
    const [px, py] = view.toPixel(...cursor);
    ctx.strokeStyle = "rgba(0,0,0,.6)";
    ctx.beginPath();
    ctx.arc(px, py, 9, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

// --- sliders mode ------------------------------------------------------------------------

function setupSliders(args) {
  const strings = args.strings;
  const model = { ...args.models[0], onnx: asBytes(args.onnx_0) };
  const code = Float32Array.from(args.base);
  const target = imageCanvas(model, Math.max(2, Math.floor(args.image_size / model.shape[2])));
  const grid = document.createElement("div");
  grid.className = "sliders";
  const inputs = args.dims.map((dim) => {
    const label = document.createElement("label");
    const text = document.createElement("span");
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min: dim.lo, max: dim.hi, step: (dim.hi - dim.lo) / 200, value: dim.value });
    input.dataset.dim = dim.index;
    const show = () => { text.textContent = `${dim.label}: ${Number(input.value).toFixed(2)}`; };
    show();
    code[dim.index] = dim.value;
    input.addEventListener("input", () => { show(); code[dim.index] = Number(input.value); request({ code: code.slice(), t: performance.now() }); });
    input.addEventListener("change", () => release());
    label.append(text, input);
    grid.append(label);
    return input;
  });
  const reset = document.createElement("button");
  reset.style.alignSelf = "flex-start";
  reset.textContent = strings.reset;
  reset.addEventListener("click", () => {
    args.dims.forEach((dim, i) => { inputs[i].value = args.base[dim.index]; inputs[i].dispatchEvent(new Event("input")); });
    release();
  });
  const panel = document.createElement("div");
  panel.className = "panel";
  panel.append(figure(target, strings.decoded), statusLine(strings.how_sliders));
  const left = document.createElement("div");
  left.className = "panel";
  left.style.flex = "1 1 480px";
  left.append(grid, reset);
  root.replaceChildren(left, panel);
  fitHeight();
  const view = {};
  current = view;

  let releases = 0;
  const request = frameLoop(strings, async (ort, { code: now }) => {
    const data = await decode(ort, model, now);
    if (current !== view) return false;
    paint(target, model, data);
    stats.last = { code: Array.from(now), image: Array.from(data) };
  });
  function release() {
    releases += 1;
    const values = {};
    args.dims.forEach((dim, i) => { values[dim.index] = Number(inputs[i].value); });
    setValue({ event: "release", values, n: releases });
  }
  request({ code: code.slice(), t: performance.now() });
}

// --- messages from Streamlit ------------------------------------------------------------

let shown = null; // the signature of what is on screen: a rerun with the same data keeps it
window.addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.type !== "streamlit:render") return;
  const args = data.args;
  document.body.style.setProperty("--text", (data.theme && data.theme.textColor) || "#31333f");
  document.body.style.setProperty("--primary", (data.theme && data.theme.primaryColor) || "#ff4b4b");
  if (stats.failed || args.signature === shown) return;
  shown = args.signature;
  if (args.mode === "map") setupMap(args);
  else setupSliders(args);
});
// What an exported site's own panels decode with (explorer_app/site/frontend/site.js): the same runtime,
// sessions and image drawing as the flashlight's.
window.explorerDecoder = { loadRuntime, decode, imageCanvas, paint, figure, base64Bytes, halves, floats, stats };
send("streamlit:componentReady", { apiVersion: 1 });
