"""The course site in a real browser: Debian's Chromium, driven by Playwright, reads `_docs/`
served on 127.0.0.1, as a learner would.

Build the site first (tools/test.sh and tools/site.sh do): without `_docs/` these tests are
skipped, or fail when CC_REQUIRE_SITE=1. Screenshots land in `_docs/_screenshots/`.
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
    return re.sub(r"^[\d_]+", "", nb.stem) + ".html"

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
    .filter(a => !a.trim() || /\.(png|jpe?g|svg)$/i.test(a) || /^[0-9a-f]{16,}/.test(a));
  const api = [...main.querySelectorAll('div.cc-api')].map(d => ({
    name: (d.closest('section') && d.closest('section').querySelector('h1,h2,h3,h4,h5')) ? d.closest('section').querySelector('h1,h2,h3,h4,h5').textContent.replace(/#$/, '').trim() : '?',
    cls: d.classList.contains('cc-api-class'), table: !!d.querySelector('table'),
    doc: (d.querySelector('p.cc-docstring') || {}).textContent || '',
    sig: (d.querySelector('pre') || {}).textContent || '', sigHTML: (d.querySelector('pre') || {}).innerHTML || ''}));
  const box = document.querySelector('main div.cc-verdict-box');
  const h2 = document.querySelector('main article section section > h2, main article section > h2');
  const boxFirst = !box || !h2 || (box.compareDocumentPosition(h2) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  return {overflow, badAlt, api, hasBox: !!box, boxFirst, width: main.getBoundingClientRect().width};
}"""
BUILTIN_DOCS = ("Call self as a function.", "Return repr(self).", "Implement iter(self).", "Return str(self).",
                "Initialize self.  See help(type(self)) for accurate signature.", "Return hash(self).")

def layout_problems(layout:dict) -> list[str]:
    "What the LAYOUT script found wrong, as sentences."
    out = [f"cut off or scrolling sideways at 1280 px: {o}" for o in layout["overflow"][:8]]
    out += [f"a figure without alt text naming it: {a!r}" for a in layout["badAlt"][:5]]
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
    if "CLAIMS.md" in main_text: problems.append("mentions CLAIMS.md, a file outside the project")
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
    "Every claim of the course notes, with its lesson (linked), verdict and key figure; every lesson is linked."
    sys.path.insert(0, str(ROOT/"tools"))
    import claims
    page = visit.open("claims.html")
    rows = page.eval_on_selector_all("section#claims-and-verdicts > div table tbody tr, section#claims-and-verdicts > div.pst-scrollable-table-container table tbody tr",
                                     "trs => trs.map(tr => [...tr.cells].map(c => c.innerText.trim()))")
    numbers = sorted({int(r[0]) for r in rows if r and r[0].isdigit()})
    assert numbers == sorted(claims.CLAIMS), numbers
    links = set(page.eval_on_selector_all("article a[href]", "els => els.map(e => e.getAttribute('href').split('#')[0])"))
    missing = [page_of(nb) for nb in lesson_notebooks() if page_of(nb) not in links]
    assert not missing, f"lessons the claims page does not link: {missing}"
    for n, (_, lessons) in claims.CLAIMS.items():
        written = [nb for nb in lesson_notebooks() if int(re.match(r"\d+", nb.name)[0]) in lessons]
        mine = [r for r in rows if r and r[0] == str(n)]
        if not written: assert all("not written yet" in " ".join(r) for r in mine), (n, mine)
    assert "CLAIMS.md" not in page.inner_text("main") and not visit.problems, visit.problems

def screenshot_targets() -> list[tuple[str, str]]:
    "(name, page#anchor) for the screenshots: the front page, a lesson, an API section and the claims page."
    nbs = lesson_notebooks()
    lesson = next((page_of(nb) for nb in nbs if nb.name.startswith("07")), page_of(nbs[-1]) if nbs else "index.html")
    api, most = None, 0  # the class entry with the longest parameter table
    for nb in nbs:
        html_text = (SITE/page_of(nb)).read_text(encoding="utf-8") if (SITE/page_of(nb)).exists() else ""
        for m in re.finditer(r'<section id="([^"]+)">\s*<h\d>[^<]*<a class="headerlink"[^>]*>#</a></h\d>\s*<div class="cc-api cc-api-class(.*?)</section>', html_text, re.S):
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
