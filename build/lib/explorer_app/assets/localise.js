// Runs in the page (st.html) when the interface is not English: Streamlit writes a few words of its
// own (the file uploader's button and limit) and has no catalogue for them. Each text node whose whole
// text matches one of the patterns is rewritten in the page's language, now and whenever
// Streamlit draws more. The patterns are filled in by explorer_app/widgets.py from the catalogue.
(() => {
  const phrases = __PHRASES__.map(([pattern, text]) => [new RegExp(pattern), text]);
  window.__explorerPhrases = phrases;  // a later run (another language) replaces them
  if (window.__explorerLocalises) return;
  window.__explorerLocalises = true;
  const rewrite = (node) => {
    const before = node.nodeValue.trim();
    if (!before) return;
    for (const [pattern, text] of window.__explorerPhrases) {
      if (pattern.test(before)) {
        node.nodeValue = before.replace(pattern, text);
        return;
      }
    }
  };
  const walk = (root) => {
    if (root.nodeType === Node.TEXT_NODE) return rewrite(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) rewrite(walker.currentNode);
  };
  walk(document.body);
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "characterData") rewrite(change.target);
      for (const node of change.addedNodes) walk(node);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
})();
