// Runs once in the page (st.html), the first element a page sends. Streamlit's browser code loads
// an element's code only when the first such element arrives: Plotly's (4.7 MB) then takes 2.6 s on
// this project's CPU to fetch, compile and run, after the server has built the whole page, and each
// widget's code is fetched in turn as the page's widgets arrive. Imported now, from where
// Streamlit's own code imports them (beside its main module, so the browser keeps one copy of
// each), they load while the server is still building the page. The bundles' names are
// Streamlit's (webapp/scripts.py finds them); one that is missing is simply loaded later, as before.
// The map's page draws with its own chart (webapp/map_chart) and Plotly's partial bundle: there that
// file starts loading instead (the chart finds it by its id), and Streamlit's Plotly, which would only
// take the CPU the map needs, is left to load if a chart of Streamlit's comes.
(() => {
  const bundles = __BUNDLES__, mapPaths = __MAP_PATHS__, mapPlotly = __MAP_PLOTLY__;
  const main = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (!main || window.__explorerBundlesPreloaded) return;
  window.__explorerBundlesPreloaded = true;
  const onMap = mapPaths.includes(location.pathname.replace(/\/+$/, "").split("/").pop());
  for (const bundle of bundles) {
    if (onMap && bundle.startsWith("PlotlyChart.")) continue;
    import(new URL(bundle, main.src).href).catch(() => {});
  }
  if (onMap && !document.getElementById(mapPlotly.id)) {
    const script = document.createElement("script");
    script.id = mapPlotly.id;
    script.src = new URL(mapPlotly.address, new URL("../../", main.src)).href;  // the server's base address
    document.head.appendChild(script);
  }
})();
