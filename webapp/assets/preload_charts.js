// Runs once in the page (st.html), first thing a page sends. Streamlit's browser code fetches its
// Plotly bundle (4.7 MB) only when the first chart arrives, then compiles and runs it before
// drawing: 2.6 s on this project's CPU, after the server has built the whole page. Imported now, from
// where Streamlit's own code imports it (beside its main module, so the browser keeps one copy), it
// loads while the server is still building the page. The bundle's name is Streamlit's
// (webapp/widgets.py finds it); where it is missing the page simply loads it later, as before.
(() => {
  const bundle = "__BUNDLE__";
  const main = document.querySelector('script[type="module"][src*="/static/js/"]');
  if (!main || window.__explorerChartsPreloaded) return;
  window.__explorerChartsPreloaded = true;
  import(new URL(bundle, main.src).href).catch(() => {});
})();
