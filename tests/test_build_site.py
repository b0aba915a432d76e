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
    assert "### Foo.\\_\\_call\\_\\_" in api.source and '<a class="cc-source" href="https://gh/x.py#L1">source</a>' in api.source
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
    assert max(map(len, sig.splitlines())) <= bs.SIG_WIDTH and "\n            caption" in sig  # wrapped, aligned
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

def test_claims_page_and_lesson_table():
    "The claims page: every claim, its lesson linked with its verdict, or 'lesson not written yet'."
    claims = load_tool("claims")
    box = {"lesson": "05_optimizers", "machine": "m", "claims": [
        {"number": 3, "claim": "c", "verdict": "holds with a caveat", "evidence": "ratio 1.9 | 2.1"},
        {"number": 0, "claim": "own", "verdict": "holds", "evidence": "x"}]}
    lessons = [{"stem": "05_optimizers", "title": "Optimisers", "summary": "s", "href": "optimizers.ipynb", "box": box},
               {"stem": "06_lr_finder", "title": "The LR finder", "summary": "t", "href": "lr_finder.ipynb", "box": None}]
    page = claims.claims_page(lessons)
    rows = {int(l.split("|")[1]): l for l in page.splitlines() if re.match(r"\| \d+ \|", l) and "](" not in l.split("|")[2]}
    assert sorted(rows) == sorted(claims.CLAIMS)
    assert "[Optimisers](optimizers.ipynb) | ⚠ holds with a caveat | ratio 1.9 \\| 2.1 |" in rows[3]
    assert "[The LR finder](lr_finder.ipynb) | … not measured yet" in rows[4]
    assert "lesson 04 | lesson not written yet" in rows[2]
    table = claims.lessons_table(lessons)
    assert "| 05 | [Optimisers](optimizers.ipynb) | s | ⚠ claim 3: holds with a caveat; ✓ own check: holds |" in table
    assert "CLAIMS.md" not in page
    bs = load_tool("build_site")
    assert bs.claims_links("notes (claim 4 in CLAIMS.md) say") == "notes ([claim 4](claims.md)) say"
    assert "CLAIMS.md" not in bs.claims_links("see ../shared/CLAIMS.md or [the list](CLAIMS.md)")
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
