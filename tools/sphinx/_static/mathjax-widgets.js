// ipywidgets' embedder typesets widget labels with MathJax 2's `MathJax.Hub.Queue`; MathJax 3 has no Hub,
// so pages with both math and widgets would throw. This gives MathJax 3 a small Hub that typesets the element.
(function () {
  const hub = {Queue: (...cmds) => {
    for (const cmd of cmds) {
      const el = Array.isArray(cmd) ? cmd[2] : null;
      if (el && window.MathJax && window.MathJax.typesetPromise) window.MathJax.typesetPromise([el]).catch(() => {});
    }
  }};
  const config = window.MathJax = window.MathJax || {};
  config.Hub = hub;
  const ready = config.startup && config.startup.ready;
  config.startup = Object.assign({}, config.startup, {ready() {
    if (ready) ready(); else window.MathJax.startup.defaultReady();
    window.MathJax.Hub = hub;
  }});
})();

// Plots drawn by a widget's stored output have no alt text: name them after the section they are in.
(function () {
  function label() {
    document.querySelectorAll(".widget-subarea img:not([alt]), .widget-subarea img[alt='']").forEach((img) => {
      const sec = img.closest("section");
      const h = sec && sec.querySelector("h1, h2, h3, h4");
      const where = h ? h.textContent.replace(/[#¶]\s*$/, "").trim() : document.title;
      img.alt = `Plot: ${where} (a widget's last output, static on this site)`;
    });
  }
  document.addEventListener("DOMContentLoaded", () => {
    label();
    new MutationObserver(label).observe(document.body, {childList: true, subtree: true});
  });
})();
