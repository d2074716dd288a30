// An exported view (explorer_app/site): the map with the flashlight, a clicked point's image and its
// reconstructions, the interpolation scrubber between two clicked points, and prior samples, all decoded in
// this page by the browser decoder's own code (explorer_app/browser_decoder/frontend/main.js, loaded before
// this file), from data/*.js. Opened from file://: nothing is fetched, no module is imported from a file.

(() => {
  const site = window.EXPLORER_SITE;
  const dec = window.explorerDecoder;
  const S = site.strings;
  const models = site.models.map((m) => ({ ...m, onnx: dec.base64Bytes(m.onnx), codes: dec.halves(dec.base64Bytes(m.codes)) }));
  const labels = dec.base64Bytes(site.labels);
  const [n, h, w, c] = site.image_shape;
  let images = null; // uint8 N×H×W×C, unpacked on first use
  const unpacked = (async () => {
    const gz = dec.base64Bytes(site.images);
    const raw = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    images = new Uint8Array(raw);
  })();
  const scale = Math.max(2, Math.floor(112 / h));
  const $ = (id) => document.getElementById(id);

  function original(index) {
    const target = dec.imageCanvas({ shape: [c, h, w] }, scale);
    const data = new Float32Array(c * h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
      data[k * h * w + y * w + x] = images[((index * h + y) * w + x) * c + k] / 255;
    }
    dec.paint(target, { shape: [c, h, w] }, data);
    return target;
  }

  function codeOf(model, index) {
    return model.codes.slice(index * model.dim, (index + 1) * model.dim);
  }

  async function decodeInto(model, code, target) {
    const ort = await dec.loadRuntime();
    dec.paint(target, model, await dec.decode(ort, model, code));
  }

  // --- the clicked point: its image and each model's reconstruction -------------------------------
  const picked = [site.start[0], site.start[1]]; // the scrubber's A and B; clicks replace them in turn
  let nextEnd = 0;
  let pointsAsked = 0; // the newest point asked for is the one shown: the first point, decoded late, never covers a click's
  async function showPoint(index) {
    const asked = ++pointsAsked;
    await unpacked;
    if (asked !== pointsAsked) return;
    const row = [dec.figure(original(index), S.original.replace("{index}", index).replace("{label}", site.class_names[labels[index]] || ""))];
    const jobs = models.map((m) => {
      const target = dec.imageCanvas(m, scale);
      row.push(dec.figure(target, S.reconstruction.replace("{model}", m.label)));
      return decodeInto(m, codeOf(m, index), target);
    });
    $("point").replaceChildren(...row);
    await Promise.all(jobs);
    if (asked === pointsAsked) $("point").dataset.index = String(index);
  }

  // --- the interpolation scrubber -------------------------------------------------------------------
  const scrubTargets = models.map((m) => dec.imageCanvas(m, scale));
  $("scrub-images").replaceChildren(...scrubTargets.map((t, i) => dec.figure(t, models[i].label)));
  let scrubbing = null, scrubPending = null;
  async function scrub(t) {
    scrubPending = t;
    if (scrubbing) return;
    while (scrubPending !== null) {
      const now = scrubPending;
      scrubPending = null;
      scrubbing = Promise.all(models.map((m, i) => {
        const a = codeOf(m, picked[0]), b = codeOf(m, picked[1]);
        const z = a.map((v, d) => (1 - now) * v + now * b[d]);
        return decodeInto(m, z, scrubTargets[i]);
      }));
      await scrubbing;
      $("scrub").dataset.drawn = String(now);
    }
    scrubbing = null;
  }
  function describeEnds() {
    $("scrub-ends").textContent = S.scrub_ends.replace("{a}", picked[0]).replace("{b}", picked[1]);
  }
  $("scrub").addEventListener("input", (event) => scrub(Number(event.target.value)));

  // --- prior samples: N(0, I), seeded, decoded once -----------------------------------------------
  function normals(count, seed) { // mulberry32 + Box–Muller: the same samples in every browser
    let s = seed >>> 0;
    const uniform = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; };
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return out;
  }
  async function samples() {
    const columns = models.map((m) => {
      const box = document.createElement("div");
      box.className = "samples";
      const heading = document.createElement("h3");
      heading.textContent = m.label;
      const grid = document.createElement("div");
      grid.className = "sample-grid";
      box.append(heading, grid);
      return { m, grid };
    });
    $("samples").replaceChildren(...columns.map((col) => col.grid.parentElement));
    for (const { m, grid } of columns) {
      const z = normals(site.samples * m.dim, 7);
      for (let k = 0; k < site.samples; k++) {
        const target = dec.imageCanvas(m, 2);
        target.canvas.setAttribute("role", "img");
        target.canvas.setAttribute("aria-label", S.sample_alt.replace("{model}", m.label).replace("{k}", k + 1));
        grid.append(target.canvas);
        await decodeInto(m, z.slice(k * m.dim, (k + 1) * m.dim), target);
      }
    }
    $("samples").dataset.drawn = "1";
  }

  // --- the flashlight: the browser decoder's map view, fed as Streamlit would feed it --------------
  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || !data.isStreamlitMessage || data.type !== "streamlit:setComponentValue") return;
    const value = data.value;
    if (value && value.event === "fix" && Number.isInteger(value.nearest)) {
      picked[nextEnd] = value.nearest;
      nextEnd = 1 - nextEnd;
      describeEnds();
      showPoint(value.nearest);
      scrub(Number($("scrub").value));
    }
  });
  const args = {
    mode: "map", signature: "site", models: models.map(({ key, label, dim, shape, plane }) => ({ key, label, dim, shape, plane })),
    k: site.k, height: site.height, bounds: null, colors: site.colors, class_names: site.class_names,
    background: "#ffffff", image_size: 112, strings: site.decoder_strings,
    xy: dec.base64Bytes(site.xy), labels,
  };
  models.forEach((m, i) => { args[`onnx_${i}`] = m.onnx; if (!m.plane) args[`codes_${i}`] = dec.base64Bytes(site.models[i].codes); });
  window.postMessage({ type: "streamlit:render", args, theme: { textColor: "#0E1117", primaryColor: "#B3261E" } }, "*");

  describeEnds();
  unpacked.then(() => showPoint(picked[0]));
  scrub(Number($("scrub").value));
  samples();
})();
