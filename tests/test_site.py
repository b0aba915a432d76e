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
    assert [h for h in hrefs if h in expected] == expected, f"sidebar order {hrefs} != course order {expected}"
    if not hrefs: pytest.skip("no lessons yet")
    link = page.locator(f"{nav} ul:not(.bd-sidenav__home-link) a.reference.internal").first
    title = link.inner_text().strip()
    link.click()
    page.wait_for_url(re.compile(re.escape(hrefs[0]) + "$"))
    assert page.locator("article h1").first.inner_text().strip().rstrip("#").strip() == title
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS/"lesson.png"))
    page.screenshot(path=str(SHOTS/"lesson-full.png"), full_page=True)
    assert not visit.problems, visit.problems

def test_front_page_screenshot(visit):
    page = visit.open("index.html")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS/"front.png"))
    assert page.locator("article h1").count() == 1 and not visit.problems, visit.problems

def search(visit, query:str) -> list[str]:
    "Search the site from the search box, as a reader does; return the result links."
    page = visit.open("index.html")
    page.locator("button.search-button-field").first.click()
    box = page.locator("#pst-search-dialog input[name=q]")
    box.fill(query); box.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    page.wait_for_function("() => /Search finished|did not match/.test(document.querySelector('main').innerText)")
    return page.eval_on_selector_all("ul.search li a", "els => els.map(e => e.getAttribute('href'))")

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
