"""The site's build scripts on small inputs: tools/run_lessons.py (execution) and tools/build_site.py (conversion)."""
import importlib.util, re, subprocess, sys
from pathlib import Path
import nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell, new_raw_cell

ROOT = Path(__file__).resolve().parent.parent

def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT/"tools"/f"{name}.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

def run_lessons(nb_path, out):
    return subprocess.run([sys.executable, str(ROOT/"tools"/"run_lessons.py"), str(nb_path), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)

def test_failing_notebook_names_notebook_and_cell(tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("# Bad"), new_code_cell("x = 1"),
                             new_code_cell("#| slow\nraise RuntimeError('slow cells are skipped')"),
                             new_code_cell("#| eval: false\nraise RuntimeError('eval: false cells are skipped')"),
                             new_code_cell("y = x + 1\nassert y == 3, f'y is {y}'")])
    nbformat.write(nb, tmp_path/"05_bad.ipynb")
    r = run_lessons(tmp_path/"05_bad.ipynb", tmp_path/"out")
    assert r.returncode != 0
    assert "FAILED: 05_bad.ipynb failed at cell 5 (code cell 4): y = x + 1" in r.stderr, r.stderr
    assert "y is 2" in r.stderr and "\x1b[" not in r.stderr
    assert not (tmp_path/"out"/"05_bad.ipynb").exists()

def test_skipped_cells_and_stored_outputs(tmp_path):
    nb = new_notebook(cells=[new_code_cell("print('hello')"),
                             new_code_cell("#| slow\nraise RuntimeError('skipped')"),
                             new_code_cell("import ipywidgets as w\nw.IntSlider(3)")])
    nbformat.write(nb, tmp_path/"01_ok.ipynb")
    r = run_lessons(tmp_path/"01_ok.ipynb", tmp_path/"out")
    assert r.returncode == 0, r.stderr
    assert "1 cells skipped" in r.stdout
    out = nbformat.read(tmp_path/"out"/"01_ok.ipynb", as_version=4)
    assert out.cells[0].outputs[0].text == "hello\n"
    assert out.cells[1].outputs == [] and out.cells[1].metadata.skipped == "#| slow" and "tags" not in out.cells[1].metadata
    view = out.cells[2].outputs[0].data["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] in out.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]

def test_conversion():
    bs = load_tool("build_site")
    conv = bs.Converter({"doc_host": "https://example.org", "doc_baseurl": "/cc"}, {"02_learner.ipynb": "learner"})
    nb = new_notebook(cells=[
        new_raw_cell("---\ntitle: Core\ndescription: Seeds and devices\noutput-file: core.html\n---\n"),
        new_markdown_cell("See [`set_seed`](https://example.org/cc/core.html#set_seed) and [x](https://other.org/a.html#b_c), "
                          "[the Learner](02_learner.ipynb#The_loop), [gone](99_gone.ipynb)."),
        new_code_cell("#| echo: false\n#| output: false\nprint(1)"),
        new_code_cell("#| echo: false\n#| output: asis\nshow_doc(Foo.__call__)", outputs=[nbformat.v4.new_output(
            "execute_result", data={"text/markdown": '---\n\n[source](https://gh/x.py#L1){target="_blank" style="float:right"}\n\n### Foo.__call__\n\n*Call `Foo`*',
                                    "text/plain": "x"})]),
        new_code_cell("w", outputs=[nbformat.v4.new_output("display_data", data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "gone"}, "text/plain": "IntSlider(3)"})]),
    ])
    fm = conv.convert(nb, "00_core")
    assert fm["output-file"] == "core.html"
    title, md, code, api, widget = nb.cells
    assert title.source.startswith("# Core\n") and "Seeds and devices" in title.source
    assert 'href="core.html#set-seed"' in md.source and "https://other.org/a.html#b_c" in md.source
    assert '<a class="reference internal" href="learner.html#the-loop">the Learner</a>' in md.source
    assert "[gone](99_gone.ipynb)" in md.source  # not a notebook of the site: left for Sphinx to report
    assert code.source == "print(1)" and code.metadata.tags == ["remove-input", "remove-output"]
    assert api.cell_type == "markdown" and not api.source.startswith("---")
    assert "(api-foo-call)=\n### Foo.\\_\\_call\\_\\_" in api.source  # a stable anchor, never `#id1`
    assert '<a class="cc-source" href="_source/x.html#L-1">source</a>' in api.source  # the site's copy, not a dead repo
    assert list(widget.outputs[0].data) == ["text/plain"]  # no state stored: its text, not an empty box

def test_directives():
    bs = load_tool("build_site")
    assert bs.split_directives("#| echo: false\n#|output: asis\n#| slow\nx = 1") == ({"echo": "false", "output": "asis", "slow": ""}, "x = 1")
    src = "# |x|: the absolute value\nx = abs(-1)"
    assert bs.split_directives(src) == ({}, src)

def test_imports_only():
    "nbdev re-runs import cells to render API docs: a cell that mixes in other code keeps only its imports there."
    bs = load_tool("build_site")
    assert bs.imports_only("#| hide\nimport os\nx = model()\nfrom torch import nn") == "#| hide\nimport os\nfrom torch import nn"
    for src in ["import os\nimport sys", "x = 1", "#| export\nimport os\nx = 1", "%time import os\nx=1", "import os\nshow_doc(os.path.join)"]:
        assert bs.imports_only(src) == src

def test_title_without_front_matter():
    bs = load_tool("build_site")
    nb = new_notebook(cells=[new_code_cell("1")])
    bs.Converter({}).convert(nb, "05_lr_finder")
    assert nb.cells[0].source == "# Lr finder\n"

def test_parts_and_search_words():
    bs = load_tool("build_site")
    assert [bs.part_of(s) for s in ["00_core", "02_learner", "03_ua", "10_x", "11_mp", "18_y", "25_z", "extra"]] == \
        ["Foundations", "Foundations", bs.PARTS[1][2], bs.PARTS[1][2], bs.PARTS[2][2], bs.PARTS[2][2], "More", "More"]
    tree = bs.toctree([("11_mp", "mp"), ("00_core", "core"), ("03_ua", "ua"), ("01_data", "data")])
    assert tree.index("core") < tree.index("data") < tree.index("ua") < tree.index("mp")
    sys.path.insert(0, str(ROOT/"tools"/"sphinx"))
    from search_words import SearchEnglishWithNameParts
    words = SearchEnglishWithNameParts({}).split("fit_one_cycle and 1cycle")
    assert {"fit_one_cycle", "one", "cycle", "1cycle", "fit"} <= set(words)

def test_one_execution_tests_like_nbdev_test(tmp_path):
    "run_lessons.py is CI's notebook test: it passes and fails where nbdev_test does, and runs notebooks in parallel."
    good = new_notebook(cells=[new_code_cell("import os\nassert os.environ.get('IN_TEST') == '1'"),
                               new_code_cell("#| eval: false\nraise RuntimeError('skipped by both')"),
                               new_code_cell("nbdev_export()")])
    bad = new_notebook(cells=[new_code_cell("assert 1 + 1 == 3, 'arithmetic'")])
    unrun = new_notebook(cells=[new_raw_cell("---\nskip_exec: true\n---"), new_code_cell("raise RuntimeError('not run')")])
    for name, nb in [("01_good", good), ("02_bad", bad), ("03_unrun", unrun)]: nbformat.write(nb, tmp_path/f"{name}.ipynb")
    for name, ok in [("01_good", True), ("02_bad", False), ("03_unrun", True)]:
        nbdev = subprocess.run([str(Path(sys.executable).parent/"nbdev_test"), "--path", str(tmp_path/f"{name}.ipynb")], cwd=ROOT,
                               capture_output=True, text=True, timeout=300)
        assert (nbdev.returncode == 0) == ok, (name, nbdev.stdout, nbdev.stderr)
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"run_lessons.py"), "--jobs", "2", "--out", str(tmp_path/"out"),
                        *(str(tmp_path/f"{n}.ipynb") for n in ["01_good", "02_bad", "03_unrun"])], capture_output=True, text=True, timeout=300)
    assert r.returncode != 0 and "FAILED: 1 notebook(s): 02_bad.ipynb" in r.stderr, r.stderr
    assert re.search(r"01_good\.ipynb +[\d.]+ s wall +[\d.]+ s CPU  ok, 2 cells skipped", r.stdout), r.stdout
    assert "03_unrun.ipynb: not run (skip_exec: true)" in r.stdout and (tmp_path/"out"/"03_unrun.ipynb").exists()

def test_api_docs_like_show_doc():
    "API entries: wrapped signature, own docstring, a parameter table from docments; `*` kept, no invented NoneType."
    bs = load_tool("build_site")
    class Base:
        def __call__(self, x): return x
        def __repr__(self): return "Base()"
    class Thing(Base):
        "A thing with a long signature."
        def __init__(self, rows, # Rows to show
                     columns:list|None=None, # Column order
                     *, digits:int=4, fn=print, caption:str|None=None, another_long_parameter_name:float=1.5): pass
    def patchy(f=None, *, as_prop:bool=False) -> int:
        "Multiply slopes[j]*x by `a*b`."
    md = bs.APIDoc(Thing, name="Thing")._repr_markdown_()
    sig = md.split("```python\n")[1].split("\n```")[0]
    assert sig.startswith("class Thing(rows, columns:list | None=None, *, digits:int=4, fn=print,")
    assert max(map(len, sig.splitlines())) <= bs.SIG_WIDTH and "\n    caption" in sig  # wrapped, indented by 4
    assert "NoneType" not in md and "self" not in sig and "cc-api-class" in md
    assert "| `rows` |  |  | Rows to show |" in md and "| `columns` | `list \\| None` | `None` | Column order |" in md
    assert "{.cc-docstring}\nA thing with a long signature." in md
    call = bs.APIDoc(Thing.__call__, name="Thing.__call__")._repr_markdown_()
    assert "Call self as a function" not in call and "cc-docstring" not in call and "Thing.__call__(x)" in call
    assert "cc-docstring" not in bs.APIDoc(Thing.__repr__, name="Thing.__repr__")._repr_markdown_()
    p = bs.APIDoc(patchy, name="patchy")._repr_markdown_()
    assert "patchy(f=None, *, as_prop:bool=False) -> int" in p and "slopes[j]\\*x by `a*b`" in p
    assert "| **returns** | `int` |" in p
    err = bs.APIDoc(type("Oops", (ValueError,), {"__doc__": "Bad input."}), name="Oops")._repr_markdown_()
    assert "class Oops(*args)" in err and "| `*args` |" in err

def decision(claim, verdict, summary, **kw):
    return {"claim": claim, "verdict": verdict, "effect": 1.0, "lo": 0.5, "hi": 1.5, "n": 5, "threshold": 0.2,
            "unit": "points", "per": "seed", "level": 0.9, "n_to_settle": None, "summary": summary,
            "narrower": None, "parts": [], **kw}

LONG = ("effect +0.31 accuracy points, 90% CI [-0.12, +0.74], n = 5 seeds, threshold +0.5; about 23 seeds would settle it. "
        "Better than random search beyond both budgets, which is the deciding clause and must never be cut") * 2

def test_claims_page_and_lesson_table():
    "The claims page: the course's wording and the claim as tested, the verdict, its figures whole; all four verdicts."
    claims = load_tool("claims")
    narrow = decision("1cycle beats a constant LR", "holds", "effect +2, 90% CI [+1, +3], n = 5 seeds, threshold +0.5")
    box = {"lesson": "05_optimizers", "machine": "m", "claims": [
        {"number": 3, "claim": "c", "verdict": "holds with a caveat", "evidence": "ratio 1.9 | 2.1 with `lr`",
         "decision": decision("RMSprop's step grows 1.5x after small gradients", "holds with a caveat", "s3", narrower=narrow)},
        {"number": 4, "claim": "c4", "verdict": "not settled here", "evidence": "e4",
         "decision": decision("the LR finder's pick trains within 1 point of the best", "not settled here", LONG)},
        {"number": 5, "claim": "c5", "verdict": "does not hold here", "evidence": "e5",
         "decision": decision("flatter minima", "does not hold here", "s5")},
        {"number": 0, "claim": "own", "verdict": "holds", "evidence": "x", "decision": decision("own", "holds", "s0")}]}
    lessons = [{"stem": "05_optimizers", "title": "Optimisers", "summary": "s", "href": "optimizers.ipynb", "box": box},
               {"stem": "06_lr_finder", "title": "The LR finder", "summary": "t", "href": "lr_finder.ipynb", "box": None}]
    page = claims.claims_page(lessons)
    rows = dict(re.findall(r'<tr id="claim-(\d+)">(.*?)</tr>', page))
    assert sorted(map(int, rows)) == sorted(claims.CLAIMS)
    r3 = rows["3"]
    assert "The course:</span> RMSprop accelerates" in r3 and "RMSprop&#x27;s step grows 1.5x after small gradients" in r3
    assert 'href="optimizers.html">05 · Optimisers</a>' in r3 and "⚠ <b>holds with a caveat</b>" in r3
    assert "narrower claim that holds: 1cycle beats a constant LR (effect +2, 90% CI [+1, +3]" in r3
    assert "ratio 1.9 | 2.1 with <code>lr</code>" in r3
    assert claims.html.escape(LONG) in rows["4"] and "? <b>not settled here</b>" in rows["4"]  # whole, never cut
    assert "✗ <b>does not hold here</b>" in rows["5"]
    assert "not measured in this build" in rows["6"]  # a lesson without a box in this build: its link, no verdict
    for v in ["holds", "does not hold here", "not settled here", "holds with a caveat", "threshold", "interval", "paired"]:
        assert v in claims.INTRO
    assert "not written" not in page and not hasattr(claims, "shorten")
    table = claims.lessons_table(lessons)
    assert "| 05 | [Optimisers](optimizers.ipynb) | s | ⚠ claim 3: holds with a caveat; ? claim 4: not settled here;" in table
    bs = load_tool("build_site")
    assert not hasattr(bs, "claims_links")
    tree = bs.toctree([("05_optimizers", "optimizers")], {"optimizers": "Optimisers"}, first=["claims"])
    assert ":caption: The course" in tree and "05 · Optimisers <optimizers>" in tree

def test_verdict_box_moves_up_and_figures_get_alt():
    "A lesson whose box comes after its first section gets the box, as measured, under its title; plots get alt text."
    bs = load_tool("build_site")
    box = {"lesson": "00_core", "machine": "m", "claims": [{"number": 0, "claim": "c", "verdict": "holds", "evidence": "e"}]}
    nb = new_notebook(cells=[
        new_markdown_cell("## First section"),
        new_code_cell("fig, ax = plt.subplots()\nax.set_title('Loss against LR')", outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]),
        new_code_cell("box", outputs=[nbformat.v4.new_output("execute_result", data={
            "text/html": "<div class='cc-verdict-box'></div>", "text/plain": "v", bs.VERDICT_MIME: box})]),
        new_code_cell("test_eq(1, 1)")])
    fm = bs.Converter({}).convert(nb, "00_core")
    assert fm["verdicts"] == box and "cc-verdict-box" in nb.cells[1].outputs[0].data["text/html"]
    assert nb.cells[1].metadata.tags == ["remove-input"] and nb.cells[2].source.startswith("## First")
    assert nb.cells[3].metadata["mystnb"]["image"]["alt"] == "Plot: Loss against LR"
    assert bs.VERDICT_MIME not in nb.cells[4].outputs[0].data
    assert "hide-input" in nb.cells[5].metadata.tags  # a bare check, folded

def test_verdict_box_is_the_cores_with_text_marks():
    "The site draws every box with coursecompanion.core.verdict_html (one renderer), text marks, the final verdicts."
    bs = load_tool("build_site")
    from coursecompanion.core import verdict_html
    d = decision("tested `x`", "not settled here", "effect +0.1, 90% CI [-1, +1.2], n = 3 seeds, threshold +0.5")
    final = {"lesson": "08_t", "machine": "m", "claims": [{"number": 6, "claim": "c", "verdict": "not settled here",
                                                           "evidence": "gap `0.3`", "decision": d}]}
    early = {**final, "claims": [{"number": 6, "claim": "c", "verdict": None, "evidence": None, "decision": None}]}
    out = bs.verdict_box_html(final)
    assert out == verdict_html(final, marks={**bs.MARKS, None: "…"}).replace("`x`", "<code>x</code>").replace("`0.3`", "<code>0.3</code>")
    assert 'data-label="claim as tested"' in out and "? <b>not settled here</b>" in out and "❔" not in out
    nb = new_notebook(cells=[new_code_cell("box.show()", outputs=[nbformat.v4.new_output("display_data", data={
        "text/html": "<div class='cc-verdict-box'>stale</div>", "text/plain": "v", bs.VERDICT_MIME: early})]),
        new_markdown_cell("## Experiment"), new_code_cell("box.check()", outputs=[nbformat.v4.new_output(
            "execute_result", data={"text/html": "x", "text/plain": "v", bs.VERDICT_MIME: final})])])
    bs.Converter({}).convert(nb, "08_t")
    boxes = [o.data["text/html"] for c in nb.cells for o in c.get("outputs", []) if "cc-verdict-box" in o.data.get("text/html", "")]
    assert len(boxes) == 2 and all("measured below" not in b and "not settled here" in b for b in boxes)

def test_api_docs_fixes():
    "A decorator's comment is no parameter's description; a class has no `-> None`; source links stay on the site."
    bs = load_tool("build_site")
    from dataclasses import dataclass
    def patch(f): return f
    @patch  # also a method: thing.run(...)
    def run(thing, n:int, div_final:float=1e5): pass
    @dataclass
    class Result:
        "What a run found."
        lr:float # The chosen LR
    md = bs.APIDoc(run, name="run")._repr_markdown_()
    assert "also a method" not in md, md
    r = bs.APIDoc(Result, name="Result")._repr_markdown_()
    assert "class Result(lr:float)" in r and "-> None" not in r and "The chosen LR" in r
    assert bs.source_href("https://github.com/o/r/blob/main/coursecompanion/learner.py#L79", {}) == "_source/learner.html#L-79"
    url = "https://github.com/o/r/blob/main/coursecompanion/learner.py#L79"
    assert bs.source_href(url, {"site_source_links": "repository"}) == url

def test_figure_alt_never_a_template():
    bs = load_tool("build_site")
    assert bs.figure_alt("ax.set_title(f'image {i}:\\nclass {c}')", "Heat maps", "Heatmaps") == "Plot: Heat maps (Heatmaps)"
    assert bs.figure_alt("ax.set_title('Loss\\nby LR')", None, "Lr") == "Plot from Lr"
    assert bs.figure_alt("ax.set_title(f'Loss against LR')", None, "Lr") == "Plot: Loss against LR"

def test_wrapped_code_keeps_its_indentation():
    "Each code line is a span with its indentation; a highlight span that crosses lines is closed and reopened."
    bs = load_tool("build_site")
    out = bs.hanging_lines('<span class="k">def</span> f():\n    <span class="s">"""a\nb"""</span>\n')
    lines = re.findall(r'<span class="cc-line"( style="--i:(\d+)")?>(.*?)\n</span>', out, re.S)
    assert [l[1] for l in lines] == ["", "4", ""]
    assert lines[1][2] == '    <span class="s">"""a</span>' and lines[2][2] == '<span class="s">b"""</span>'
    assert re.sub(r"<[^>]+>", "", out) == 'def f():\n    """a\nb"""\n'  # the text (and so copying) unchanged

def test_static_widget_note_comes_first():
    bs = load_tool("build_site")
    nb = new_notebook(cells=[new_code_cell("w", outputs=[nbformat.v4.new_output("display_data", data={
        bs.WIDGET_VIEW: {"model_id": "m1"}, "text/plain": "IntSlider(3)"})])])
    nb.metadata["widgets"] = {bs.WIDGET_STATE: {"state": {"m1": {}}}}
    bs.Converter({}).convert(nb, "06_x")
    note, cell = nb.cells[1:]
    assert "Static on this site" in note.source and "disabled" in note.source and "cc-static" in cell.metadata.tags
