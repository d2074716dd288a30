// Runs once in the page (st.html): when Streamlit's page opens a new connection to the server, the
// server it had is gone (a replica behind the proxy ended, or the server restarted) and the one that
// answers now has no session for it. Streamlit reconnects but does not run the page again, so the
// page is loaded anew from its URL, which holds the view, marked so the app can say what happened.
(() => {
  if (window.__explorerFollowsServer) return;
  window.__explorerFollowsServer = true;
  const Native = window.WebSocket;
  function Following(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    if (String(url).includes("/_stcore/stream")) {  // this script is younger than the page's first connection
      socket.addEventListener("open", () => {
        const next = new URL(window.location.href);
        next.searchParams.set("moved", "1");
        window.location.replace(next.toString());
      });
    }
    return socket;
  }
  Following.prototype = Native.prototype;
  for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Following[name] = Native[name];
  window.WebSocket = Following;
})();
