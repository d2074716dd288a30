// Runs in the page (st.html): keys that press a page's buttons, found by their widget keys (class st-key-KEY).
// The tour: a presentation clicker sends Page Down / Page Up (some send the arrow keys) for its next and
// previous buttons. The training theatre: the arrow keys step through the epochs, Space or K plays and
// pauses. A key does this only where its button is on the page, and never when it is meant for a control
// that has the focus (a slider, a text field, a list).
(() => {
  if (window.__explorerPageKeys) return;
  window.__explorerPageKeys = true;
  const BUTTONS = {
    PageDown: ["tour_next"], PageUp: ["tour_prev"],
    ArrowRight: ["tour_next", "theatre_next"], ArrowDown: ["tour_next"],
    ArrowLeft: ["tour_prev", "theatre_prev"], ArrowUp: ["tour_prev"],
    " ": ["theatre_play"], k: ["theatre_play"], K: ["theatre_play"],
  };
  const busy = (el, key) => el && el.closest && (
    el.closest("input, textarea, select, [role=slider], [role=listbox], [role=combobox], [contenteditable=true]") ||
    (key === " " && el.closest("button")));  // Space on a focused button presses that button
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || busy(document.activeElement, event.key)) return;
    const which = (BUTTONS[event.key] || []).find((key) => document.querySelector(`.st-key-${key}`));
    if (!which) return;  // not on a page with that button: the key does what it always does
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
