// The site's search results, made for readers:
// - a snippet is the lesson's own text: the theme's buttons and print-only title are dropped, and math reads as text
//   (\(\beta_1\) becomes β_1), not as raw LaTeX;
// - a result for a page links to the section of that page that matches the query best (most occurrences of the
//   whole query, then of its words), and names it: "weight decay" opens the AdamW section of the optimisers lesson.
(function () {
  const NOT_TEXT = ".bd-header-article, .onlyprint, #jb-print-docs-body, .prev-next-area, .bd-sidebar-secondary, footer, .headerlink";
  const GREEK = {alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", eta: "η", theta: "θ",
    lambda: "λ", mu: "μ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", omega: "ω", nabla: "∇", Delta: "Δ",
    Sigma: "Σ", sum: "Σ", cdot: "·", times: "×", approx: "≈", le: "≤", leq: "≤", ge: "≥", geq: "≥", infty: "∞",
    to: "→", rightarrow: "→", sqrt: "√", ell: "ℓ", partial: "∂", lVert: "‖", rVert: "‖", odot: "⊙"};
  // LaTeX as a reader would say it in plain text.
  function delatex(tex) {
    return tex.replace(/^\s*(\\\(|\\\[|\$\$?)|(\\\)|\\\]|\$\$?)\s*$/g, "")
      .replace(/\\(?:text|mathrm|mathbf|operatorname|mathit|textrm)\{([^{}]*)\}/g, "$1")
      .replace(/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, "($1)/($2)")
      .replace(/\\([A-Za-z]+)/g, (m, w) => (w in GREEK ? GREEK[w] : w === "left" || w === "right" ? "" : w))
      .replace(/[{}]/g, "").replace(/\\[,;:! ]/g, " ").replace(/\s+/g, " ").trim();
  }
  function cleanDoc(htmlString) {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(NOT_TEXT).forEach((el) => el.remove());
    doc.querySelectorAll(".math").forEach((el) => { el.textContent = " " + delatex(el.textContent) + " "; });
    return doc;
  }
  function query() { return (new URLSearchParams(window.location.search).get("q") || "").toLowerCase().trim(); }
  function count(text, word) { let n = 0, i = -1; while (word && (i = text.indexOf(word, i + 1)) > -1) n++; return n; }
  // The section (with an id) of `doc` whose own text best matches the query, or null.
  function bestSection(doc) {
    const q = query(), words = q.split(/\s+/).filter((w) => w.length > 1);
    if (!words.length) return null;
    let best = null, bestScore = 0;
    doc.querySelectorAll('[role="main"] section[id] section[id]').forEach((sec) => {
      const text = sec.textContent.toLowerCase();
      if (!words.every((w) => text.includes(w))) return;
      const score = 100 * count(text, q) + words.reduce((s, w) => s + count(text, w), 0);
      // a subsection wins over its parent only with a strictly better score
      if (score > bestScore) { best = sec; bestScore = score; }
    });
    return best;
  }
  function patch() {
    // searchtools.js declares `const Search`: a global binding, but not a property of window.
    if (typeof Search === "undefined" || !Search.htmlToText || Search.htmlToText.patched) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => original(cleanDoc(htmlString).documentElement.outerHTML, anchor);
    Search.htmlToText.patched = true;
    const summary = Search.makeSearchSummary;
    Search.makeSearchSummary = (htmlText, keywords, anchor) => {
      let sec = null;
      if (!anchor) {
        sec = bestSection(cleanDoc(htmlText));
        if (sec) anchor = "#" + sec.id;
      }
      const p = summary(htmlText, keywords, anchor);
      if (sec && p) setTimeout(() => {  // the caller appends `p` to its result right after this returns
        const link = p.parentNode && p.parentNode.querySelector("a");
        if (!link || link.getAttribute("href").includes("#")) return;
        link.setAttribute("href", link.getAttribute("href") + "#" + sec.id);
        const h = sec.querySelector("h1, h2, h3, h4");
        if (h) link.insertAdjacentText("beforeend", " › " + h.textContent.replace(/[#¶]\s*$/, "").trim());
        p.dataset.section = sec.id;
      }, 0);
      return p;
    };
  }
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
