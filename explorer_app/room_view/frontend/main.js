// A room's view, for its audience (explorer_app/room_view): the document the presenter's page drew of a step,
// fetched from the app's own route and drawn here, in the browser. The server tells this page of each new view
// over server-sent events (explorer_app/room_routes.py); nothing is asked of it while nobody moves.
//
// The Streamlit component protocol (v1) is written by hand, as in explorer_app/browser_decoder.

const view = document.getElementById("view");
const status = document.getElementById("status");
const live = document.getElementById("live");
const base = window.location.pathname.split("/component/")[0]; // the app's own path, behind a proxy's prefix too
const stats = { views: 0, number: 0, step: 0, fetches: 0, events: 0, lastDrawnAt: null };
window.roomView = stats; // what the browser tests read

function send(type, data) {
  window.parent.postMessage({ isStreamlitMessage: true, type, ...data }, "*");
}
function fitHeight() {
  send("streamlit:setFrameHeight", { height: Math.ceil(document.body.scrollHeight) + 8 });
}

let plotly = null;
function loadPlotly() { // Plotly's own script, served by the app (no network needed), loaded once
  if (!plotly) {
    plotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = `${base}/_rooms/assets/plotly.min.js`;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error("Plotly could not be loaded"));
      document.head.appendChild(script);
    });
  }
  return plotly;
}

function element(tag, className, html) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (html !== undefined) el.innerHTML = html; // the server made it safe HTML (room_view.markdown_html)
  return el;
}

function draw(node, charts) {
  if (node.block) {
    const box = element("div", node.block === "horizontal" ? "h" : node.block === "column" ? "col" : "v");
    if (node.block === "column") box.style.setProperty("--weight", String(node.weight || 1));
    if (node.title) box.appendChild(element("h3", "", node.title));
    for (const child of node.children || []) { const drawn = draw(child, charts); if (drawn) box.appendChild(drawn); }
    return box.childElementCount ? box : null;
  }
  switch (node.el) {
    case "heading": return element(/^h[1-6]$/.test(node.tag) ? node.tag : "h2", "", node.html);
    case "markdown": return element("div", "md", `<p>${node.html}</p>`);
    case "caption": return element("div", "caption", node.html);
    case "divider": return element("hr");
    case "alert": return element("div", `alert ${node.format}`, node.html);
    case "control": {
      const el = element("div", "control");
      el.append(document.createTextNode(`${node.label}: `), element("b", "", ""));
      el.lastChild.textContent = node.value;
      return el;
    }
    case "progress": {
      const el = element("div", "progress");
      const text = element("span"); text.textContent = node.text || "";
      const bar = element("div", "bar"), fill = element("i");
      fill.style.width = `${Math.max(0, Math.min(100, node.value))}%`;
      bar.appendChild(fill);
      el.append(text, bar);
      return el;
    }
    case "images": {
      const row = element("div", "images");
      for (const image of node.images) {
        const figure = element("figure"), img = element("img");
        if (!image.src) continue;
        img.src = image.src; img.alt = image.alt || image.caption || "";
        figure.appendChild(img);
        if (image.caption) { const c = element("figcaption"); c.textContent = image.caption; figure.appendChild(c); }
        row.appendChild(figure);
      }
      return row;
    }
    case "table": {
      const table = element("table"), head = element("tr");
      for (const c of node.columns) { const th = element("th"); th.textContent = c; head.appendChild(th); }
      table.appendChild(head);
      for (const r of node.rows) {
        const tr = element("tr");
        for (const v of r) { const td = element("td"); td.textContent = v; tr.appendChild(td); }
        table.appendChild(tr);
      }
      return table;
    }
    case "plotly": {
      const box = element("div", "chart");
      charts.push([box, node]);
      return box;
    }
    default: return null;
  }
}

let shown = 0, fetching = null, wanted = 0;
async function show(number) {
  wanted = Math.max(wanted, number);
  if (fetching) return fetching; // one fetch at a time; the newest view asked for is fetched next
  fetching = (async () => {
    while (wanted > shown) {
      const asked = wanted;
      stats.fetches += 1;
      const response = await fetch(`${base}/_rooms/${encodeURIComponent(room)}/view`, { cache: "no-cache" });
      if (!response.ok) { status.textContent = strings.waiting; break; }
      const doc = await response.json();
      const charts = [], nodes = [];
      for (const node of doc.nodes || []) { const drawn = draw(node, charts); if (drawn) nodes.push(drawn); }
      view.replaceChildren(...nodes);
      if (charts.length) {
        const Plotly = await loadPlotly();
        await Promise.all(charts.map(([box, node]) => {
          const figure = JSON.parse(node.spec), config = JSON.parse(node.config || "{}");
          return Plotly.newPlot(box, figure.data || [], figure.layout || {}, { ...config, staticPlot: false, displaylogo: false });
        }));
      }
      shown = asked;
      stats.views += 1; stats.number = asked; stats.step = doc.step; stats.lastDrawnAt = Date.now();
      const heading = view.querySelector("h2");
      status.textContent = strings.following.replace("{step}", doc.step).replace("{total}", doc.total);
      if (doc.lang && doc.lang !== strings.lang) { // the view is the presenter's page, in the presenter's language
        status.textContent += " " + strings.other_lang.replace("{language}", (strings.languages || {})[doc.lang] || doc.lang);
      }
      live.textContent = heading ? heading.textContent : "";
      fitHeight();
    }
  })().catch((err) => { status.textContent = `${strings.failed} (${err.message})`; })
    .finally(() => { fetching = null; });
  return fetching;
}

let room = null, strings = {}, events = null;
function listen() {
  events = new EventSource(`${base}/_rooms/${encodeURIComponent(room)}/events`);
  events.addEventListener("view", (event) => {
    stats.events += 1;
    const number = Number(event.data);
    if (number > 0) show(number); else status.textContent = strings.waiting;
  });
  events.addEventListener("gone", () => { status.textContent = strings.gone; events.close(); });
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) status.textContent = strings.gone; };
}

window.addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.type !== "streamlit:render") return;
  const theme = data.theme || {};
  document.body.style.setProperty("--text", theme.textColor || "#0e1117");
  document.body.style.setProperty("--primary", theme.primaryColor || "#b3261e");
  if (theme.font) document.body.style.setProperty("--font", theme.font);
  strings = data.args.strings || {};
  document.documentElement.lang = strings.lang || "en";
  if (data.args.room !== room) {
    room = data.args.room;
    if (events) events.close();
    status.textContent = strings.waiting;
    listen();
  }
  fitHeight();
});
new ResizeObserver(fitHeight).observe(document.body);
send("streamlit:componentReady", { apiVersion: 1 });
