// The course site's own behaviour (tools/sphinx/conf.py loads it on every page).
// 1. The menu and contents buttons: the theme wires only the first `.primary-toggle` / `.secondary-toggle` of the page,
//    the ones in the header that site.css hides; the buttons a reader sees (the article header's) click those.
// 2. Static widgets: the embedder draws a notebook's controls from their stored state, but no Python runs behind the
//    page, so a control that moved would change nothing: they are disabled (a cell tagged cc-static).
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary", "secondary"]) {
    const [wired, ...others] = document.querySelectorAll(`.${kind}-toggle`);
    for (const b of others) b.addEventListener("click", (e) => {
      e.preventDefault(); e.stopPropagation(); wired && wired.click();
    });
  }
  const freeze = (root) => {
    for (const el of root.querySelectorAll("input, select, textarea, button")) { el.disabled = true; el.tabIndex = -1; }
    for (const el of root.querySelectorAll("[tabindex]")) el.tabIndex = -1;  // slider handles
  };
  for (const cell of document.querySelectorAll(".tag_cc-static")) {
    freeze(cell);
    new MutationObserver(() => freeze(cell)).observe(cell, {childList: true, subtree: true});
  }
});
