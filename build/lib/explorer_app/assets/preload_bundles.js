// Runs once in the page (st.html), the first element a page sends. Streamlit's browser code loads
// an element's code only when the first such element arrives: Plotly's (4.7 MB) then takes 2.6 s on
// this project's CPU to fetch, compile and run, after the server has built the whole page, and each
// widget's code is fetched in turn as the page's widgets arrive. Imported now, from where
// Streamlit's own code imports them (beside its main module, so the browser keeps one copy of
// each), they load while the server is still building the page. The bundles' names are
// Streamlit's (explorer_app/scripts.py finds them); one that is missing is simply loaded later, as before.
// The map's page draws with its own chart (explorer_app/map_chart) and Plotly's partial bundle: there that
// file starts loading instead (the chart finds it by its id), and Streamlit's Plotly, which would only
// take the CPU the map needs, starts loading once the map is drawn and the browser is idle, so that the
// next page's charts find it compiled (bench/page_times.py: the first chart page after the map).
(() => {
  const bundles = __BUNDLES__, mapPaths = __MAP_PATHS__, mapPlotly = __MAP_PLOTLY__;
  const main = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (!main || window.__explorerBundlesPreloaded) return;
  window.__explorerBundlesPreloaded = true;
  const onMap = mapPaths.includes(location.pathname.replace(/\/+$/, "").split("/").pop());
  const load = (bundle) => import(new URL(bundle, main.src).href).catch(() => {});
  const afterMap = [];
  for (const bundle of bundles) {
    if (onMap && bundle.startsWith("PlotlyChart.")) afterMap.push(bundle);
    else load(bundle);
  }
  if (afterMap.length) {
    const started = performance.now();
    const whenDrawn = () => {
      const gd = document.querySelector(".explorer-map .js-plotly-plot");
      const drawn = gd && gd._fullLayout && !document.querySelector(".explorer-map[data-drawing]");
      if (!drawn && performance.now() - started < 30000) {  // no map (a message instead): load it after 30 s
        setTimeout(whenDrawn, 200);
        return;
      }
      const mapDrawnAt = performance.now();
      (window.requestIdleCallback || ((f) => setTimeout(f, 0)))(() => {
        window.__explorerPlotlyAfterMap = {mapDrawnAt, requestedAt: performance.now()};
        afterMap.forEach(load);
      }, {timeout: 3000});
    };
    setTimeout(whenDrawn, 200);
  }
  if (onMap && !document.getElementById(mapPlotly.id)) {
    const script = document.createElement("script");
    script.id = mapPlotly.id;
    script.src = new URL(mapPlotly.address, new URL("../../", main.src)).href;  // the server's base address
    document.head.appendChild(script);
  }
})();
