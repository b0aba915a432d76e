// Sphinx's search shows a snippet of each page found, cut from the page's [role=main] element; this theme puts
// its buttons and a print-only title there too. Drop them so a snippet is the lesson's own text.
(function () {
  const NOT_TEXT = ".bd-header-article, .onlyprint, #jb-print-docs-body, .prev-next-area, .bd-sidebar-secondary, footer";
  function patch() {
    // searchtools.js declares `const Search`: a global binding, but not a property of window.
    if (typeof Search === "undefined" || !Search.htmlToText || Search.htmlToText.patched) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(NOT_TEXT).forEach((el) => el.remove());
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.htmlToText.patched = true;
  }
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
