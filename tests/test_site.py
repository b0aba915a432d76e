"""The course site in a real browser: Debian's Chromium, driven by Playwright, reads `_docs/`
served on 127.0.0.1, as a learner would.

Build the site first (tools/test.sh and tools/site.sh do): without `_docs/` these tests are
skipped, or fail when CC_REQUIRE_SITE=1. Screenshots land in `_docs/_screenshots/`, with
`api-parameters.txt` (the API entries whose parameters lack descriptions).

Each page is read at 1280 px (loads cleanly, images, math, widgets, links, layout, figures that open
full size) and at a phone's 390 px (no sideways scroll, verdict boxes and the claims table as cards
with no column narrower than a word); the menu and contents buttons open on a phone; no output shows
a raw Python repr; every page stays under a weight budget (PAGE_BUDGET, MATH_BUDGET).
"""
import json, os, re, socket, subprocess, sys, time, urllib.error, urllib.parse, urllib.request
from functools import cache
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("CC_SITE") or ROOT/"_docs")  # CC_SITE: test a site built elsewhere
SHOTS = SITE/"_screenshots"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads a browser here
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
NOT_PAGES = {"search.html", "genindex.html", "py-modindex.html"}
PARTS = ["Foundations", "Part 1", "Part 2"]
DIRECTIVE = re.compile(r"^\s*#\s*\|\s*[\w-]+(\s*:.*|\s+[\w .,=-]*)?$")  # `#| echo: false`, `#| slow`; not `# |x|`  # sidebar captions start with these, in this order

def site_pages() -> list[str]:
    "Every HTML page of the site (the theme's search and index pages are tested on their own)."
    if not (SITE/"index.html").exists(): return []
    return sorted(p.name for p in SITE.glob("*.html") if p.name not in NOT_PAGES)

def lesson_notebooks() -> list[Path]:
    return sorted(p for p in (ROOT/"nbs").glob("*.ipynb") if re.match(r"\d", p.name))

def page_of(nb:Path) -> str:
    "The page nbdev names after a notebook: `07_one_cycle.ipynb` -> `one_cycle.html`."
    return re.sub(r"^\d+[a-z]?_", "", nb.stem) + ".html"

@pytest.fixture(scope="session")
def site():
    if not (SITE/"index.html").exists():
        msg = "no site in _docs/: build it with `bash tools/site.sh` (tools/test.sh does)"
        if os.environ.get("CC_REQUIRE_SITE") == "1": pytest.fail(msg)
        pytest.skip(msg)
    return SITE

@pytest.fixture(scope="session")
def server(site):
    "`python -m http.server` on a free port of 127.0.0.1, for the whole session."
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d", str(site)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try: urllib.request.urlopen(base, timeout=1).close(); break
        except OSError: time.sleep(0.05)
    else: proc.kill(); pytest.fail("http.server did not start")
    yield base
    proc.terminate(); proc.wait(5)

@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: tools/setup.sh installs Debian's chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()

class Visit:
    "A fresh browser context that records what a page does wrong: requests leaving 127.0.0.1, failures, console errors."
    def __init__(self, browser, base:str):
        self.base, self.problems = base, []
        self.ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text} ({m.location.get('url', '')})"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status}: {r.url}"))

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base): return route.continue_()
        self.problems.append(f"request left 127.0.0.1: {url}")
        return route.abort()

    def open(self, path:str):
        self.page.goto(self.base + path, wait_until="load")
        self.page.wait_for_load_state("networkidle")
        return self.page

    def close(self): self.ctx.close()

@pytest.fixture
def visit(browser, server):
    v = Visit(browser, server)
    yield v
    v.close()

# Runs in the page: scroll everything into view, then wait for every image to finish loading.
WAIT_IMAGES = """async () => {
  window.scrollTo(0, document.body.scrollHeight); await new Promise(r => setTimeout(r, 50)); window.scrollTo(0, 0);
  await Promise.all([...document.images].map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.currentSrc || i.src).slice(0, 120));
}"""

WAIT_MATH = """async () => {
  const maths = [...document.querySelectorAll('main .math')];
  if (!maths.length) return {maths: 0};
  for (let i = 0; i < 100 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) await new Promise(r => setTimeout(r, 50));
  if (!window.MathJax || !MathJax.startup) return {maths: maths.length, loaded: false};
  await MathJax.startup.promise;
  return {maths: maths.length, loaded: true, version: MathJax.version,
          untypeset: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
          errors: document.querySelectorAll('mjx-merror').length};
}"""

WIDGETS = """async () => {
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  for (let i = 0; i < 100 && document.querySelectorAll('.widget-subarea').length < views; i++) await new Promise(r => setTimeout(r, 50));
  const areas = [...document.querySelectorAll('.widget-subarea')];
  return {views, rendered: areas.length, empty: areas.filter(a => a.getBoundingClientRect().height < 5).length};
}"""

# Runs in the page: what a reader at this width sees wrong.
LAYOUT = r"""() => {
  const main = document.querySelector('main article') || document.querySelector('main');
  const right = main.getBoundingClientRect().right + 1;
  const label = (el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' "' + (el.textContent || el.alt || '').trim().slice(0, 50) + '"';
  const overflow = [];
  for (const el of main.querySelectorAll('div.cell_output, div.cell_output pre, div.cell_input pre, div.cc-api pre, img, table, div.highlight pre')) {
    if (el.closest('.pst-scrollable-table-container') && el.tagName === 'TABLE' && el.getBoundingClientRect().right <= right) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1 || r.right > right) overflow.push(label(el) + ` ${Math.round(el.scrollWidth)} px in ${Math.round(el.clientWidth)}`);
  }
  const badAlt = [...main.querySelectorAll('div.cell_output img')].map(i => i.alt || '')
    .filter(a => !a.trim() || /\.(png|jpe?g|svg)$/i.test(a) || /^[0-9a-f]{16,}/.test(a) || /\\n|[{}]/.test(a));
  // every figure opens at full size: a link to its own image file
  const unlinked = [...main.querySelectorAll('div.cell_output img')].filter(i => !i.closest('.widget-subarea'))
    .filter(i => { const a = i.closest('a.cc-figure'); return !a || a.getAttribute('href') !== i.getAttribute('src'); })
    .map(i => i.getAttribute('src'));
  const api = [...main.querySelectorAll('div.cc-api')].map(d => ({
    name: (d.closest('section') && d.closest('section').querySelector('h1,h2,h3,h4,h5')) ? d.closest('section').querySelector('h1,h2,h3,h4,h5').textContent.replace(/#$/, '').trim() : '?',
    cls: d.classList.contains('cc-api-class'), table: !!d.querySelector('table'),
    doc: (d.querySelector('p.cc-docstring') || {}).textContent || '',
    sig: (d.querySelector('pre') || {}).textContent || '', sigHTML: (d.querySelector('pre') || {}).innerHTML || ''}));
  const box = document.querySelector('main div.cc-verdict-box');
  const h2 = document.querySelector('main article section section > h2, main article section > h2');
  const boxFirst = !box || !h2 || (box.compareDocumentPosition(h2) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  return {overflow, badAlt, unlinked, api, hasBox: !!box, boxFirst, width: main.getBoundingClientRect().width};
}"""
# Runs in the page: outputs that show a Python repr instead of a result (a dict, a dataclass or named tuple, a float
# at full precision, an object address).
RAW_REPRS = r"""() => {
  const pats = [/\{'[\w ]+': /, /\b[A-Z]\w*\((?:[a-z_]\w*)=[^)]/, /\b\d\.\d{9,}/, /<[\w.]+ object at 0x/];
  return [...document.querySelectorAll('main div.cell_output')].map(o => o.innerText)
    .map(t => { const p = pats.find(p => p.test(t)); return p ? t.slice(Math.max(0, t.search(p) - 10), t.search(p) + 60) : null; })
    .filter(Boolean);  // one entry per output that shows a repr
}"""

# Runs in the page at a phone's width: what sticks out sideways, and verdict-box or claims cells narrower than
# their longest word (the box printed "cla im" when a column was squeezed).
PHONE = r"""() => {
  const W = document.documentElement.clientWidth;
  const sticking = [...document.querySelectorAll('main article *')].filter(e => {
    if (e.closest('.pst-scrollable-table-container, div.output, .highlight, dialog, mjx-container')) return false;
    const r = e.getBoundingClientRect(); return r.width > 0 && r.right > W + 1;
  }).slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' px');
  const ctx = document.createElement('canvas').getContext('2d');
  const squeezed = [];
  for (const td of document.querySelectorAll('main div.cc-verdict-box td, main table.cc-claims td')) {
    const cs = getComputedStyle(td); ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    if (!td.offsetWidth) continue;  // an empty cell, not shown
    const words = td.innerText.split(/\s+/).filter(w => w.length <= 24);
    const longest = Math.max(0, ...words.map(w => ctx.measureText(w).width));
    const inner = td.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (longest > inner + 1) squeezed.push(`${td.dataset.label}: ${Math.round(inner)} px for a ${Math.round(longest)} px word`);
  }
  const box = document.querySelector('main div.cc-verdict-box');
  return {scrollWidth: document.documentElement.scrollWidth, width: W, sticking, squeezed,
          boxHeight: box ? Math.round(box.getBoundingClientRect().height) : 0,
          boxRows: box ? box.querySelectorAll('tbody tr').length : 0};
}"""

BUILTIN_DOCS = ("Call self as a function.", "Return repr(self).", "Implement iter(self).", "Return str(self).",
                "Initialize self.  See help(type(self)) for accurate signature.", "Return hash(self).")

def layout_problems(layout:dict) -> list[str]:
    "What the LAYOUT script found wrong, as sentences."
    out = [f"cut off or scrolling sideways at 1280 px: {o}" for o in layout["overflow"][:8]]
    out += [f"a figure without alt text naming it: {a!r}" for a in layout["badAlt"][:5]]
    out += [f"a figure that does not open at full size: {s}" for s in layout["unlinked"][:5]]
    for e in layout["api"]:
        if e["cls"] and not e["table"]: out.append(f"API entry {e['name']}: a class without a parameter table")
        if e["doc"].strip() in BUILTIN_DOCS: out.append(f"API entry {e['name']}: Python's builtin docstring {e['doc']!r}")
        if "NoneType" in e["sig"]: out.append(f"API entry {e['name']}: an invented NoneType annotation in {e['sig']!r}")
        if "&lt;a " in e["sigHTML"] or "<a " in e["sig"]: out.append(f"API entry {e['name']}: raw HTML in its signature")
        if e["cls"] and "*args, **kwargs" in e["sig"] and not e["sig"].count("("): out.append(f"API entry {e['name']}: no real signature")
    if layout["hasBox"] and not layout["boxFirst"]: out.append("the verdict box comes after the first section")
    return out

@cache
def ids_in(path:str) -> frozenset:
    "The element ids of a page of the site, read from disk."
    return frozenset(re.findall(r'\bid="([^"]+)"', (SITE/path).read_text(encoding="utf-8", errors="replace")))

def broken_links(page, base:str) -> list[str]:
    "Internal links of `page` whose file or anchor does not exist."
    bad = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
        if not href.startswith(base): continue
        url = urllib.parse.urlsplit(href)
        path = urllib.parse.unquote(url.path[len(urllib.parse.urlsplit(base).path):]) or "index.html"
        if path.endswith("/"): path += "index.html"
        if not (SITE/path).is_file(): bad.append(f"{href} (no such file)"); continue
        if url.fragment and path.endswith(".html") and urllib.parse.unquote(url.fragment) not in ids_in(path):
            bad.append(f"{href} (no anchor #{url.fragment} in {path})")
    return sorted(set(bad))

def test_site_is_built(site):
    missing = [f"{page_of(nb)} (from {nb.name})" for nb in lesson_notebooks() if not (site/page_of(nb)).exists()]
    assert not missing, f"lessons without a page: {missing}"

@pytest.mark.parametrize("name", site_pages())
def test_page(visit, server, name):
    "Every page loads with nothing failing, shows its images, math and widgets, and links only to what exists."
    page = visit.open(name)
    bad_images = page.evaluate(WAIT_IMAGES)
    math = page.evaluate(WAIT_MATH)
    widgets = page.evaluate(WIDGETS)
    page.wait_for_load_state("networkidle")  # fonts and anything MathJax or the widgets fetched
    layout = page.evaluate(LAYOUT)
    main_text = page.inner_text("main")
    directive_lines = [l for pre in page.eval_on_selector_all("main pre", "els => els.map(e => e.textContent)")
                       for l in pre.splitlines() if DIRECTIVE.match(l)]
    problems = list(visit.problems)
    if bad_images: problems.append(f"images that did not load: {bad_images}")
    if math["maths"]:
        if not math["loaded"]: problems.append("the page has math but MathJax did not load")
        elif math["untypeset"] or math["errors"]: problems.append(f"math not typeset: {math}")
    if widgets["views"] != widgets["rendered"] or widgets["empty"]: problems.append(f"widgets not rendered: {widgets}")
    if directive_lines: problems.append(f"raw #| directives shown: {directive_lines[:5]}")
    if "show_doc(" in main_text: problems.append("raw show_doc( call shown")
    problems += [f"broken link: {b}" for b in broken_links(page, server)]
    problems += layout_problems(layout)
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)

def test_some_page_has_math(visit):
    "MathJax (vendored, version 3) typesets at least one page of the course."
    with_math = [n for n in site_pages() if 'class="math' in (SITE/n).read_text(encoding="utf-8")]
    if not with_math: pytest.skip("no page has math yet")
    math = visit.open(with_math[0]).evaluate(WAIT_MATH)
    assert math["loaded"] and math["version"].startswith("3.") and not math["untypeset"], math

def test_sidebar_in_course_order(visit):
    "The sidebar lists every lesson in course order under its part, and a click opens the lesson."
    page = visit.open("index.html")
    nav = "nav.bd-docs-nav"
    captions = page.eval_on_selector_all(f"{nav} p.caption", "els => els.map(e => e.textContent.trim())")
    expected_parts = [p for p in PARTS if any(c.startswith(p) for c in captions)]
    assert [c for c in captions if c.startswith(tuple(PARTS))] == [next(c for c in captions if c.startswith(p)) for p in expected_parts]
    hrefs = page.eval_on_selector_all(f"{nav} ul:not(.bd-sidenav__home-link) a.reference.internal", "els => els.map(e => e.getAttribute('href'))")
    expected = [page_of(nb) for nb in lesson_notebooks()]
    hrefs = [h for h in hrefs if h in expected]
    assert hrefs == expected, f"sidebar order {hrefs} != course order {expected}"
    if not hrefs: pytest.skip("no lessons yet")
    link = page.locator(f"{nav} ul:not(.bd-sidenav__home-link) a.reference.internal[href='{hrefs[0]}']").first
    title = link.inner_text().strip()
    number = re.match(r"\d+", lesson_notebooks()[0].name)[0]
    assert title.startswith(f"{number} · "), f"the sidebar shows lesson numbers: {title!r}"
    link.click()
    page.wait_for_url(re.compile(re.escape(hrefs[0]) + "$"))
    assert page.locator("article h1").first.inner_text().strip().rstrip("#").strip() == title.split(" · ", 1)[1]
    assert not visit.problems, visit.problems

def test_front_page_for_learners(visit):
    "The front page says what the course is, where to start, and links every lesson with its verdicts, before the commands."
    page = visit.open("index.html")
    assert page.locator("article h1").count() == 1 and not visit.problems, visit.problems
    text = page.inner_text("article")
    assert "Start here" in text and text.index("Start here") < text.index("tools/test.sh"), "learners first, maintainers later"
    table = page.locator("section#the-lessons table")
    hrefs = table.evaluate("t => [...t.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert [h for h in hrefs if h in {page_of(nb) for nb in lesson_notebooks()}] == [page_of(nb) for nb in lesson_notebooks()], hrefs
    assert page.locator("button.search-button-field:visible").count() == 1, "one search box"
    assert not (SITE/"genindex.html").exists(), "no empty Index page"

def test_claims_page(visit):
    """Every claim of the course notes: the course's wording and the claim as the lesson tested it, its lesson (linked),
    the verdict and, for a recorded verdict, the effect with its interval and n, whole; every lesson is linked."""
    sys.path.insert(0, str(ROOT/"tools"))
    import claims
    page = visit.open("claims.html")
    rows = page.eval_on_selector_all("table.cc-claims tbody tr", """trs => trs.map(tr => ({id: tr.id,
        course: (tr.querySelector('.cc-course') || {}).innerText || '', tested: (tr.querySelector('.cc-tested-as') || {}).innerText || '',
        verdict: tr.cells[2].innerText.trim(), figures: tr.cells[3].innerText.trim()}))""")
    assert sorted({int(r["id"].split("-")[1]) for r in rows}) == sorted(claims.CLAIMS), [r["id"] for r in rows]
    links = set(page.eval_on_selector_all("article a[href]", "els => els.map(e => e.getAttribute('href').split('#')[0])"))
    missing = [page_of(nb) for nb in lesson_notebooks() if page_of(nb) not in links]
    assert not missing, f"lessons the claims page does not link: {missing}"
    for r in rows:
        n = int(r["id"].split("-")[1])
        assert r["course"].startswith("The course:") and claims.CLAIMS[n][0][:40] in r["course"], r
        assert r["tested"].startswith("Tested in "), r
        if "not measured" not in r["verdict"]:
            assert r["verdict"].split(" ", 1)[1] in claims.MARKS, r
            if "holds with a caveat" not in r["verdict"] or "narrower" in r["figures"]:
                assert re.search(r"CI \[|interval", r["figures"]) and re.search(r"n = \d+", r["figures"]), f"claim {n}: {r}"
            assert "…" not in r["figures"], f"claim {n}: figures cut: {r['figures']}"
    for v in ["holds", "does not hold here", "not settled here", "holds with a caveat", "threshold", "interval"]:
        assert v in page.inner_text("article"), v
    assert "not written" not in page.inner_text("main") and not visit.problems, visit.problems

def screenshot_targets() -> list[tuple[str, str]]:
    "(name, page#anchor) for the screenshots: the front page, a lesson, an API section and the claims page."
    nbs = lesson_notebooks()
    lesson = next((page_of(nb) for nb in nbs if nb.name.startswith("07")), page_of(nbs[-1]) if nbs else "index.html")
    api, most = None, 0  # the class entry with the longest parameter table
    for nb in nbs:
        html_text = (SITE/page_of(nb)).read_text(encoding="utf-8") if (SITE/page_of(nb)).exists() else ""
        for m in re.finditer(r'<section id="([^"]+)">\s*(?:<span id="[^"]*"></span>)*<h\d>[^<]*<a class="headerlink"[^>]*>#</a></h\d>\s*<div class="cc-api cc-api-class(.*?)</section>', html_text, re.S):
            if (rows := m[2].count("<tr")) > most: api, most = f"{page_of(nb)}#{m[1]}", rows
    return [("front", "index.html"), ("lesson", lesson), ("api", api or "index.html"), ("claims", "claims.html")]

@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots(browser, server, width):
    "Screenshots of what a reader sees, at a laptop's and a phone's width, into _docs/_screenshots/."
    SHOTS.mkdir(exist_ok=True)
    ctx = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = ctx.new_page()
        for name, target in screenshot_targets():
            page.goto(server + target, wait_until="load"); page.wait_for_load_state("networkidle")
            page.evaluate(WAIT_MATH)
            page.screenshot(path=str(SHOTS/f"{name}-{width}.png"))
            assert (SHOTS/f"{name}-{width}.png").stat().st_size > 5000
    finally: ctx.close()

def search(visit, query:str) -> list[str]:
    "Search the site from the search box, as a reader does; return the result links."
    page = visit.open("index.html")
    page.locator("button.search-button-field:visible").click()
    box = page.locator("#pst-search-dialog input[name=q]")
    box.fill(query); box.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    page.wait_for_function("() => /Search finished|did not match/.test(document.querySelector('main').innerText)")
    # each result's summary (and the section it links to) arrives once its page has been fetched
    page.wait_for_function("() => [...document.querySelectorAll('ul.search li')].every(li => li.querySelector('p.context') || li.querySelector('span'))")
    page.wait_for_timeout(100)
    visit.snippets = page.eval_on_selector_all("ul.search li p.context", "els => els.map(e => e.textContent)")
    return page.eval_on_selector_all("ul.search li > a", "els => els.map(e => e.getAttribute('href'))")

def test_search_finds_a_lesson(visit):
    "Searching a word from a lesson's title lists that lesson (the index works offline)."
    nbs = lesson_notebooks()
    if not nbs: pytest.skip("no lessons yet")
    page = page_of(nbs[0])
    title = re.search(r"<h1>(.*?)<", (SITE/page).read_text(encoding="utf-8"))[1]
    word = max(re.findall(r"[A-Za-z]{3,}", title), key=len)
    results = search(visit, word)
    assert any(r.split("?")[0].split("#")[0] == page for r in results), f"search {word!r}: {results}"
    assert not visit.problems, visit.problems

def test_search_one_cycle(visit):
    "Searching \"one cycle\" finds the 1cycle lesson, once it exists."
    nbs = [nb for nb in lesson_notebooks() if re.search(r"one_?cycle|1cycle", nb.stem, re.I)]
    if not nbs: pytest.skip("no 1cycle lesson yet")
    results = search(visit, "one cycle")
    assert any(r.split("?")[0].split("#")[0] == page_of(nbs[0]) for r in results), f"search 'one cycle': {results}"
    assert not visit.problems, visit.problems

def test_search_weight_decay_finds_adamw(visit):
    "Searching \"weight decay\" opens the AdamW section of the optimisers lesson, with snippets free of raw LaTeX."
    nbs = [nb for nb in lesson_notebooks() if nb.name.startswith("05_")]
    if not nbs: pytest.skip("no optimisers lesson yet")
    results = search(visit, "weight decay")
    assert any(r.startswith(page_of(nbs[0]) + "#") and "adamw" in r for r in results), f"search 'weight decay': {results}"
    raw = [t for t in visit.snippets if re.search(r"\\\(|\\\)|\\[a-zA-Z]+\{|\\(beta|alpha|frac|text)\b", t)]
    assert not raw, f"raw LaTeX in search snippets: {raw[:3]}"
    assert not visit.problems, visit.problems

def test_search_lr_finder_first(visit):
    "Searching \"learning rate finder\" lists the LR finder lesson first."
    nbs = [nb for nb in lesson_notebooks() if re.search(r"lr_finder", nb.stem)]
    if not nbs: pytest.skip("no LR finder lesson yet")
    results = search(visit, "learning rate finder")
    assert results and results[0].split("#")[0] == page_of(nbs[0]), f"search 'learning rate finder': {results[:5]}"
    assert not visit.problems, visit.problems

def phone(browser, server):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True, has_touch=True)
    return ctx, ctx.new_page()

@pytest.mark.parametrize("name", site_pages())
def test_page_on_a_phone(browser, server, name):
    "At 390 px: nothing scrolls sideways, verdict boxes and the claims table are cards with no column narrower than a word."
    ctx, page = phone(browser, server)
    try:
        page.goto(server + name, wait_until="load"); page.wait_for_load_state("networkidle")
        r = page.evaluate(PHONE)
    finally: ctx.close()
    problems = []
    if r["scrollWidth"] > r["width"]: problems.append(f"the page scrolls sideways: {r['scrollWidth']} px in {r['width']}")
    problems += [f"sticks out of the column: {s}" for s in r["sticking"]]
    problems += [f"a verdict or claims cell narrower than a word: {s}" for s in r["squeezed"][:5]]
    if r["boxRows"] and r["boxHeight"] > 1000 * r["boxRows"]: problems.append(f"verdict box {r['boxHeight']} px tall for {r['boxRows']} claims")
    assert not problems, f"{name} at 390 px:\n  " + "\n  ".join(problems)

def test_menu_and_contents_open_on_a_phone(browser, server):
    "At 390 px the menu button opens the lesson list and the contents button the page's sections."
    nbs = lesson_notebooks()
    ctx, page = phone(browser, server)
    try:
        page.goto(server + (page_of(nbs[2]) if len(nbs) > 2 else "index.html"), wait_until="load")
        page.wait_for_load_state("networkidle")
        page.locator(".primary-toggle:visible").first.click()
        dialog = page.locator("dialog#pst-primary-sidebar-modal[open]")
        dialog.wait_for(timeout=3000)
        lessons = dialog.locator("nav.bd-docs-nav a.reference.internal:visible")
        assert lessons.count() >= len(nbs), f"the menu shows {lessons.count()} links for {len(nbs)} lessons"
        page.keyboard.press("Escape"); page.wait_for_timeout(200)
        assert page.locator("dialog#pst-primary-sidebar-modal[open]").count() == 0
        page.locator(".secondary-toggle:visible").first.click()
        toc = page.locator("dialog#pst-secondary-sidebar-modal[open] nav.page-toc a:visible")
        toc.first.wait_for(timeout=3000)
        assert toc.count() >= 1
    finally: ctx.close()

# Every API entry's parameters described (the comment beside each parameter, fastcore's docments).
API_DESCRIBED_FLOOR = 1.0  # every API entry with parameters describes every one of them

def api_entries() -> list[dict]:
    "Each API entry of the built site: page, name, parameters, described parameters (read from the HTML)."
    out = []
    for name in site_pages():
        text = (SITE/name).read_text(encoding="utf-8")
        for m in re.finditer(r'<section id="(api-[^"]+)">\s*(?:<span id="[^"]*"></span>)*<h\d>(.*?)<a class="headerlink".*?<div class="cc-api[^"]*">(.*?)</section>', text, re.S):
            table = re.search(r"<table.*?</table>", m[3], re.S)
            heads = re.findall(r"<th[^>]*>(.*?)</th>", table[0]) if table else []
            rows = [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table[0], re.S)[1:]] if table else []
            params = [r for r in rows if r and "returns" not in r[0] and "no parameters" not in r[0]]
            col = next((i for i, h in enumerate(heads) if "description" in h), None)
            described = [r for r in params if col is not None and col < len(r) and re.sub(r"<[^>]+>", "", r[col]).strip()]
            out.append({"page": name, "anchor": m[1], "name": re.sub(r"<[^>]+>", "", m[2]).strip(),
                        "params": len(params), "described": len(described)})
    return out

def test_api_entries_describe_their_parameters(site):
    "Every API entry has a stable anchor (`#api-...`), and at least the floor share describe every parameter."
    entries = api_entries()
    if not entries: pytest.skip("no API entries")
    with_params = [e for e in entries if e["params"]]
    full = [e for e in with_params if e["described"] == e["params"]]
    lacking = [f"{e['page']}#{e['anchor']} ({e['described']}/{e['params']})" for e in with_params if e["described"] < e["params"]]
    SHOTS.mkdir(exist_ok=True)
    (SHOTS/"api-parameters.txt").write_text(
        f"{len(full)} of {len(with_params)} API entries with parameters describe them all ({len(entries)} entries)\n"
        "entries lacking descriptions (described/parameters):\n" + "\n".join(lacking) + "\n", encoding="utf-8")
    print(f"API docs: {len(full)} of {len(with_params)} entries with parameters describe every one; see {SHOTS/'api-parameters.txt'}")
    ids = [i for n in site_pages() for i in re.findall(r'<section id="(id\d+)">', (SITE/n).read_text(encoding="utf-8"))]
    assert not ids, f"sections with unstable anchors: {ids[:5]}"
    assert len(full) >= API_DESCRIBED_FLOOR * len(with_params), \
        f"only {len(full)} of {len(with_params)} API entries describe their parameters; lacking: {lacking[:20]}"
    wrong = [e for e in entries if "also a method" in (SITE/e["page"]).read_text(encoding="utf-8")]
    assert not wrong, "a decorator's comment shown as a parameter's description"

# Page weight: what a reader's browser downloads for one page (HTML, CSS, JS, fonts, images), from the browser's own
# resource timing. Budget: 2 MB (measured 0.9-1.2 MB with lessons 00-02 executed, figures included; was 2.4-6 MB with
# Font Awesome); a page with math also loads
# MathJax's full TeX bundle and fonts (about 1.5 MB): 4 MB.
# Pages with math load MathJax (1.3 MB), and lessons with widgets the embedder (1.9 MB) too.
PAGE_BUDGET, MATH_BUDGET = 2_000_000, 5_000_000

@pytest.mark.parametrize("name", site_pages())
def test_page_weight(visit, name):
    page = visit.open(name)
    page.evaluate(WAIT_IMAGES); page.wait_for_load_state("networkidle")
    sizes = page.evaluate("""() => [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')]
        .map(e => [e.name, e.decodedBodySize || e.transferSize || 0])""")
    total = sum(s for _, s in sizes)
    budget = MATH_BUDGET if any("mathjax" in u for u, _ in sizes) else PAGE_BUDGET
    big = sorted(sizes, key=lambda kv: -kv[1])[:4]
    assert total <= budget, f"{name}: {total/1e6:.2f} MB > {budget/1e6:.1f} MB: largest {[(u.rsplit('/', 1)[-1][:40], s) for u, s in big]}"
    assert not any("fontawesome" in u or "fa-solid" in u for u, _ in sizes), "icon fonts or Font Awesome's script loaded"

@pytest.mark.parametrize("name", site_pages())
def test_no_raw_reprs(visit, name):
    "Results are tables or formatted values: no dict, dataclass or named-tuple repr, no float at full precision."
    found = visit.open(name).evaluate(RAW_REPRS)
    assert not found, f"{name}: raw reprs in outputs: {found[:8]}"

CONTRAST = r"""() => {
  // Each verdict's colour, drawn as the site draws it inside a verdict box, against the box's background.
  const lum = (c) => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const box = document.createElement('div'); box.className = 'cc-verdict-box';
  box.innerHTML = '<table class="cc-table"><tbody><tr>' + ['holds', 'holds-with-a-caveat', 'does-not-hold-here', 'not-settled-here']
    .map(v => `<td class="cc-verdict-${v}"><b>${v}</b></td>`).join('') + '</tr></tbody></table>';
  document.querySelector('main article').prepend(box);
  const bg = getComputedStyle(box).backgroundColor;
  return [...box.querySelectorAll('b')].map(b => { const [l1, l2] = [lum(getComputedStyle(b).color), lum(bg)].sort((x, y) => y - x);
    return [b.textContent, Math.round((l1 + 0.05) / (l2 + 0.05) * 100) / 100]; });
}"""

@pytest.mark.parametrize("mode", ["light", "dark"])
def test_verdict_colours_have_contrast(visit, mode):
    "Every verdict's colour reads against the verdict box at 4.5:1 or more (WCAG AA), in light and dark mode."
    page = visit.open("index.html")
    page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
    ratios = page.evaluate(CONTRAST)
    assert len(ratios) == 4 and all(r >= 4.5 for _, r in ratios), ratios
