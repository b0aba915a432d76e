// Search ranking for the course site (Sphinx's html_search_scorer): Sphinx's own scores, plus a bonus when the
// page's title names what was searched, so "learning rate finder" ranks the LR finder lesson above the lessons
// that only mention it. Abbreviations the lessons use in titles count as the words they stand for.
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, descr, score] = result;
    const q = (new URLSearchParams(window.location.search).get("q") || "").toLowerCase();
    const t = " " + (title || "").toLowerCase().replace(/\blr\b/g, "learning rate") + " ";
    const words = q.split(/\s+/).filter((w) => w.length > 1);
    const hits = words.filter((w) => t.includes(w)).length;
    return score + (anchor ? 0 : 20 * hits) + (words.length > 1 && t.includes(q) ? 30 : 0);
  },
  objNameMatch: 11, objPartialMatch: 6, objPrio: {0: 15, 1: 5, 2: -5}, objPrioDefault: 0,
  title: 15, partialTitle: 7, term: 5, partialTerm: 2,
};
