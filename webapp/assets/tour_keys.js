// Runs in the page (st.html) on the tour: a presentation clicker sends Page Down / Page Up (some send
// the arrow keys). Each presses the tour's next or previous button, unless the key is meant for a
// control that has the focus (a slider, a text field, a list).
(() => {
  if (window.__explorerTourKeys) return;
  window.__explorerTourKeys = true;
  const FORWARD = new Set(["PageDown", "ArrowRight", "ArrowDown"]);
  const BACK = new Set(["PageUp", "ArrowLeft", "ArrowUp"]);
  const busy = (el) => el && el.closest &&
    el.closest("input, textarea, select, [role=slider], [role=listbox], [role=combobox], [contenteditable=true]");
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || busy(document.activeElement)) return;
    const which = FORWARD.has(event.key) ? "tour_next" : BACK.has(event.key) ? "tour_prev" : null;
    if (!which || !document.querySelector(`.st-key-${which}`)) return;  // not on the tour: the key does what it always does
    event.preventDefault();
    // The button's place is drawn before the button itself mounts: a key pressed in between waits for it.
    const deadline = performance.now() + 3000;
    const press = () => {
      const button = document.querySelector(`.st-key-${which} button`);
      if (button) {
        if (!button.disabled) button.click();
      } else if (performance.now() < deadline) {
        setTimeout(press, 50);
      }
    };
    press();
  }, true);  // in the capture phase: Streamlit's own key handling stops some keys on their way up
})();
