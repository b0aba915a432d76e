#!/usr/bin/env python3
"""Build the course site in `_docs/` from executed notebooks, offline: nbdev processing, then Sphinx.

Usage: python tools/build_site.py [--executed _executed] [--out _docs]

1. nbdev processes the executed notebooks into `_proc/` (hidden cells dropped, exported names
   rendered as API docs by nbdev's `show_doc`, backticked names linked). `show_doc` renders with
   `APIDoc` here: nbdev's names and source links with fastcore's docments, shown as a wrapped
   signature (a class's from its `__init__`, `*` kept, annotations only where written), the
   object's own docstring (never Python's "Call self as a function.") and a parameter table.
2. A conversion step writes `_site_src/`: Quarto's `#|` cell options become Sphinx cell tags,
   the front matter becomes the page title, show_doc output becomes page sections, doc links
   become relative, and the sidebar lists the lessons, numbered, in course order, grouped by part.
   Each lesson's verdict box (its `VERDICT_MIME` output, as measured) opens its page; the
   "Claims and verdicts" page and the front page's lesson table are generated from those boxes
   and tools/claims.py. Plots get alt text, static widgets a label, bare check cells are folded.
3. Sphinx + myst-nb (no execution: the stored outputs are rendered) + sphinx-book-theme write the
   HTML, with MathJax 3 and the ipywidgets embedder vendored from the npm registry (no CDN).
4. The HTML is finished for readers: the theme's icons as CSS masks instead of Font Awesome's 1.5 MB script, each
   figure a link to its full-size image, code lines that wrap under their own indentation, and each module's source
   as a highlighted page (`_source/<module>.html`), where the API entries' "source" links go (the repository only
   when settings.ini says `site_source_links = repository`).
"""
import argparse, ast, html, os, re, shutil, subprocess, sys, tarfile, tempfile, time, warnings
from configparser import ConfigParser
from pathlib import Path

root = Path(__file__).resolve().parent.parent
conf_dir = root/"tools"/"sphinx"
sys.path.insert(0, str(root/"tools"))
import claims  # tools/claims.py: the course notes' claims, in our words

# Course parts by lesson number: (first, last, caption). Lessons outside every range go under "More".
PARTS = [(0, 2, "Foundations"), (3, 10, "Part 1: practical deep learning"), (11, 18, "Part 2: from the foundations")]

# JavaScript the pages need, from the npm registry, cached in the virtual environment.
# name: (npm package, version, its folder of browser files, files not needed: other bundles, source maps, old font formats)
VENDOR = {"mathjax": ("mathjax", "3.2.2", "es5", r"^(tex-(mml-)?(svg|chtml)\.js|tex-svg-full\.js|tex-chtml-full-speech\.js|mml-.*|node-main\.js)$"),
          "widgets": ("@jupyter-widgets/html-manager", "1.0.15", "dist", r"(\.map|\.LICENSE\.txt|-amd\.js|\.eot|\.ttf|\.svg)$")}

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
VERDICT_MIME = "application/vnd.coursecompanion.verdicts+json"  # coursecompanion.core.VERDICT_MIME: a lesson's VerdictBox
MARKS = claims.MARKS

def settings() -> dict:
    cp = ConfigParser(delimiters=["="]); cp.read(root/"settings.ini", encoding="utf-8")
    return dict(cp["DEFAULT"])

# ---------------------------------------------------------------- vendored JavaScript
def vendor_dir() -> Path:
    "Where npm packages are unpacked: inside the virtual environment, so a fresh `.venv` starts clean."
    return Path(sys.prefix)/"share"/"coursecompanion-site"

def vendor(name:str) -> Path:
    "Unpack npm package `VENDOR[name]` (only its browser files) once into `<folder>/name/`; return the folder."
    pkg, version, sub, skip = VENDOR[name]
    dest = vendor_dir()/f"{name}-{version}"
    if (dest/".complete").exists(): return dest
    if not shutil.which("npm"): sys.exit(f"build_site: npm is needed once to fetch {pkg}@{version} (tools/setup.sh installs it)")
    shutil.rmtree(dest, ignore_errors=True); dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{pkg}@{version}", "--silent", "--pack-destination", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        with tarfile.open(next(Path(tmp).glob("*.tgz"))) as tf:
            for m in tf.getmembers():
                rel = Path(m.name).relative_to("package")
                if not m.isfile() or rel.parts[0] != sub or re.search(skip, rel.name): continue
                out = dest/name/Path(*rel.parts[1:]); out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tf.extractfile(m).read())
    (dest/".complete").touch()
    print(f"vendored {pkg}@{version} -> {dest}")
    return dest

# ---------------------------------------------------------------- API docs (show_doc)
SIG_WIDTH = 80  # characters of a signature line before it wraps (the column shows about 95 at 1280 px)

def _builtin_docs() -> set[str]:
    "Docstrings Python gives methods nobody documented (`Call self as a function.`, `Return repr(self).`)."
    docs = set()
    for base in (object, type, dict, list, tuple, int, Exception, property):
        for n in dir(base):
            d = getattr(getattr(base, n, None), "__doc__", None)
            if isinstance(d, str): docs.add(d.strip())
    return docs

def fmt_anno(a) -> str:
    "An annotation as written: `int | None`, `Module`, not `torch.nn.modules.module.Module`."
    import inspect
    if a is inspect.Parameter.empty: return ""
    if isinstance(a, str): return a
    if isinstance(a, type) and not getattr(a, "__args__", None): return a.__qualname__
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_]\w*)", "", inspect.formatannotation(a))

def fmt_default(d) -> str:
    import inspect
    if d is inspect.Parameter.empty: return ""
    if (inspect.isfunction(d) or inspect.isclass(d) or inspect.isbuiltin(d)) and hasattr(d, "__name__"): return d.__name__
    r = repr(d)
    return r if len(r) <= 40 else r[:37] + "..."

def api_signature(sym):
    "The signature a reader calls: a class's `__init__` without `self`; a method without `self`. None if unknown."
    import inspect
    try:
        if inspect.isclass(sym):
            init = next((c.__dict__["__init__"] for c in sym.__mro__ if "__init__" in c.__dict__), None)
            if init is not None and init is not object.__init__ and inspect.isfunction(init):
                sig = inspect.signature(init)  # no `-> None`: calling the class returns an instance
                return sig.replace(parameters=list(sig.parameters.values())[1:], return_annotation=inspect.Signature.empty)
            if issubclass(sym, BaseException):  # Exception's __init__: the message, and any other arguments
                return inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)])
            return inspect.signature(sym).replace(return_annotation=inspect.Signature.empty)
        sig = inspect.signature(sym)
    except (ValueError, TypeError): return None
    ps = list(sig.parameters.values())
    if ps and ps[0].name in ("self", "cls") and "." in getattr(sym, "__qualname__", ""): sig = sig.replace(parameters=ps[1:])
    return sig

def fmt_params(sig) -> list[str]:
    "Each parameter as code, with the `*` and `/` markers Python needs."
    import inspect
    P, out, star = inspect.Parameter, [], False
    ps = list(sig.parameters.values())
    for i, p in enumerate(ps):
        if p.kind == P.KEYWORD_ONLY and not star: out.append("*"); star = True
        if p.kind == P.VAR_POSITIONAL: star = True
        a, d = fmt_anno(p.annotation), fmt_default(p.default)
        txt = {P.VAR_POSITIONAL: "*", P.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name + (f":{a}" if a else "") + (f"={d}" if d else "")
        out.append(txt)
        if p.kind == P.POSITIONAL_ONLY and (i + 1 == len(ps) or ps[i + 1].kind != P.POSITIONAL_ONLY): out.append("/")
    return out

def wrap_signature(name:str, params:list[str], ret:str="", width:int=SIG_WIDTH) -> str:
    """`name(a, b, ...)` filled to `width` characters; continuation lines indented by 4 (not aligned under the first
    parameter: on a phone an alignment 20 characters deep leaves no room for the parameters)."""
    tail = ")" + (f" -> {ret}" if ret else "")
    one = f"{name}(" + ", ".join(params) + tail
    if len(one) <= width or not params: return one
    short = len(name) < 28
    indent = " " * 4
    lines, cur = ([], f"{name}(") if short else ([f"{name}("], indent)
    for i, prm in enumerate(params):
        piece = prm + (", " if i + 1 < len(params) else tail)
        if len(cur) + len(piece.rstrip()) > width and cur.strip() and cur != f"{name}(":
            lines.append(cur.rstrip()); cur = indent
        cur += piece
    return "\n".join(lines + [cur.rstrip()])

def md_escape_stars(txt:str) -> str:
    "Escape `*` inside words or products (`slopes[j]*x`) outside code spans, so the text stays as written."
    parts = re.split(r"(`[^`]*`)", txt)
    return "".join(p if i % 2 else re.sub(r"(?<=[^\s*\\])\*(?=[^\s*])", r"\*", p) for i, p in enumerate(parts))

def md_cell(txt:str) -> str: return txt.replace("|", "\\|").replace("\n", " ")

def decorator_comments(sym) -> set[str]:
    """Comments written on a decorator line (`@patch  # also a method: ...`): fastcore's docments gives such a comment
    to the last parameter of the `def` line below it, as if it described that parameter."""
    import inspect
    try: src = inspect.getsource(inspect.unwrap(sym))
    except (OSError, TypeError): return set()
    return {m[1].strip() for m in re.finditer(r"(?m)^\s*@[^#\n]*#(.*)$", src)}

def line_comments(sym) -> dict:
    """Each parameter's comment on its own line of the `def`, for the two places fastcore's docments misses one: the
    last parameter before `) -> T:  # comment` (docments files it under `return`) and `**kwargs):  # comment`.
    Only lines that name exactly one parameter count."""
    import inspect, io, textwrap, tokenize
    if inspect.isclass(sym) and hasattr(sym, "_fields"):  # a NamedTuple: `name: type  # comment` per field
        try: src = inspect.getsource(sym)
        except (OSError, TypeError): return {}
        return {m[1]: m[2].strip() for m in re.finditer(r"(?m)^\s+(\w+)\s*:[^#\n]*#\s*(.+)$", src) if m[1] in sym._fields}
    f = inspect.unwrap(sym.__init__ if inspect.isclass(sym) and "__init__" in vars(sym) else sym)
    try: toks = list(tokenize.generate_tokens(io.StringIO(textwrap.dedent(inspect.getsource(f))).readline))
    except (OSError, TypeError, tokenize.TokenError, IndentationError, SyntaxError): return {}
    depth, names, out, prev, started = 0, {}, {}, None, False
    for t in toks:
        if not started:
            started = t.type == tokenize.NAME and t.string == "def"
            continue
        if t.type == tokenize.NEWLINE: break  # the end of the `def` line (comments come before it)
        if t.type == tokenize.OP and t.string in "([{": depth += 1
        elif t.type == tokenize.OP and t.string in ")]}": depth -= 1
        elif (t.type == tokenize.NAME and depth == 1 and prev is not None and prev.string in ("(", ",", "*", "**")
              and t.string not in ("self", "cls")):
            names.setdefault(t.start[0], []).append(t.string)
        elif t.type == tokenize.COMMENT and len(names.get(t.start[0], [])) == 1:
            out[names[t.start[0]][0]] = t.string[1:].strip()
        if t.type not in (tokenize.COMMENT, tokenize.NL): prev = t
    return out

def package_twin(sym):
    "The package's own object for `sym` (a class the notebook defined has no source for docments to read)."
    import importlib
    from coursecompanion._modidx import d
    qual = getattr(sym, "__qualname__", "")
    for mod, syms in d["syms"].items():
        if f"{mod}.{qual}" in syms:
            obj = importlib.import_module(mod)
            for part in qual.split("."): obj = getattr(obj, part)
            return obj
    return sym

EVENT_ARG = "The `Learner` running the event"  # the one parameter of a callback's event method

def source_href(url:str, cfg:dict) -> str:
    """Where an API entry's "source" link goes: the module's highlighted copy on the site (`_source/core.html#L-12`),
    or nbdev's repository URL when settings.ini says the repository is public (`site_source_links = repository`)."""
    if not url or cfg.get("site_source_links", "site") == "repository": return url
    m = re.search(r"/([\w.]+)\.py(?:#L(\d+))?$", url)
    if not m: return ""
    return f"_source/{m[1]}.html" + (f"#L-{m[2]}" if m[2] else "")

class APIDoc:
    """nbdev's `show_doc` rendered for the course site: nbdev's names, source links and fastcore's docments, shown
    as a wrapped signature, the object's own docstring and a parameter table (name, type, default, description).

    tools/build_site.py installs it as nbdev's markdown renderer while it processes the notebooks."""
    builtin_docs = None
    def __init__(self, sym, name:str|None=None, title_level:int=3, **kwargs):
        from fastcore.docments import ShowDocRenderer
        base = ShowDocRenderer(sym, name=name, title_level=title_level)
        self.sym, self.nm, self.fn, self.title_level = base.sym, base.nm, base.fn, title_level

    def docstring(self) -> str:
        import inspect
        if APIDoc.builtin_docs is None: APIDoc.builtin_docs = _builtin_docs()
        d = getattr(self.sym, "__doc__", None)  # its own: a method without one does not borrow its base's
        if not isinstance(d, str) or d.strip() in APIDoc.builtin_docs: return ""
        return inspect.cleandoc(d)

    def table(self, sig) -> str:
        import inspect
        from fastcore.docments import docments
        try: dm = dict(docments(self.sym))
        except Exception: dm = {}
        if not any(v for k, v in dm.items() if k != "return"):  # a class defined in the notebook has no source
            try: dm = dict(docments(package_twin(self.sym)))
            except Exception: pass
        bad = decorator_comments(self.sym)
        dm = {k: (None if isinstance(v, str) and v.strip() in bad else v) for k, v in dm.items()}
        from coursecompanion.learner import EVENTS
        if getattr(self.sym, "__name__", "") in EVENTS and not dm.get("learn"): dm["learn"] = EVENT_ARG
        for k, c in (line_comments(self.sym) or line_comments(package_twin(self.sym))).items():  # what docments missed: `**kwargs` and `x) -> T:  # about x`
            if dm.get(k) or c in bad: continue
            if dm.get("return") == c: dm["return"] = None
            dm[k] = c
        rows = ["| parameter | type | default | description |", "|---|---|---|---|"]
        P = inspect.Parameter
        for p in (sig.parameters.values() if sig else []):
            name = {P.VAR_POSITIONAL: "*", P.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
            a, d = fmt_anno(p.annotation), fmt_default(p.default)
            desc = dm.get(p.name) or ("The message, as for `Exception`" if name == "*args" and inspect.isclass(self.sym)
                                      and issubclass(self.sym, BaseException) else "")
            rows.append(f"| `{md_cell(name)}` | {f'`{md_cell(a)}`' if a else ''} | {f'`{md_cell(d)}`' if d else ''} | "
                        f"{md_cell(md_escape_stars(desc))} |")
        ret = fmt_anno(sig.return_annotation) if sig and sig.return_annotation is not inspect.Signature.empty else ""
        if ret or dm.get("return"):
            rows.append(f"| **returns** | {f'`{md_cell(ret)}`' if ret else ''} |  | {md_cell(md_escape_stars(dm.get('return') or ''))} |")
        if len(rows) == 2: rows.append("| *(no parameters)* | | | |")
        # Like nbdev's table: columns that are empty in every row are left out (the name column always stays).
        cells = [[c.strip() for c in re.split(r"(?<!\\)\|", r)[1:-1]] for r in rows]
        keep = [j for j in range(4) if j == 0 or any(row[j] for row in cells[2:])]
        return "\n".join("| " + " | ".join(row[j] for j in keep) + " |" for row in cells)

    def _repr_markdown_(self) -> str:
        import inspect
        from nbdev.doclinks import NbdevLookup
        is_class = inspect.isclass(self.sym)
        sig = api_signature(self.sym)
        ret = fmt_anno(sig.return_annotation) if sig and sig.return_annotation is not inspect.Signature.empty else ""
        prefix = "class " if is_class else ""
        code = wrap_signature(prefix + self.nm, fmt_params(sig), ret) if sig else prefix + self.nm
        src = NbdevLookup().code(self.fn) or ""
        if src.endswith("#LNone"):  # nbdev could not find the line: ask Python
            try: src = src[:-len("None")] + str(inspect.getsourcelines(inspect.unwrap(self.sym))[1])
            except (OSError, TypeError): src = src[:-len("#LNone")]
        kind = "class" if is_class else "function"
        md = [f"{'#' * self.title_level} {self.nm}", "", f":::{{container}} cc-api cc-api-{kind}"]
        if src := source_href(src, settings()): md += [f'<a class="cc-source" href="{html.escape(src)}">source</a>', ""]
        md += ["```python", code, "```", ""]
        if doc := self.docstring(): md += ["{.cc-docstring}", md_escape_stars(doc), ""]
        if sig is not None or is_class: md += [self.table(sig), ""]
        md += [":::"]
        return "\n".join(md)

    def __repr__(self): return f"APIDoc({self.nm})"

def use_api_renderer():
    "Make nbdev's `show_doc` render with `APIDoc` in this process (its processing shell shares the module)."
    import nbdev.showdoc
    nbdev.showdoc.BasicMarkdownRenderer = APIDoc

# ---------------------------------------------------------------- nbdev processing
def nbdev_process(executed:Path) -> Path:
    """Run nbdev's docs processing on every executed notebook into `_proc/`.

    This is the step `nbdev_proc_nbs` runs for each notebook (without its attempt to install
    Quarto), one notebook at a time in this process so imports are paid once. nbdev runs the
    export and import cells again to render show_doc, on their own, outside the lesson: so
    cells that run_lessons.py skipped (`#| slow`, `#| gpu`, ...) get `#| eval: false`, and a
    cell that mixes imports with other code keeps only its imports here (its other code may
    need names from earlier cells). `restore_outputs` then puts the lesson's cells back."""
    import nbformat
    from nbdev.serve_drv import main as process_one
    from nbdev.processors import FilterDefaults
    proc, stage = root/"_proc", root/"_build"/"staged"
    for d in (proc, stage): shutil.rmtree(d, ignore_errors=True); d.mkdir(parents=True)
    seen = set()
    use_api_renderer()
    for f in sorted(executed.glob("*.ipynb")):
        nb = nbformat.read(f, as_version=4)
        nb.nbformat_minor = max(nb.nbformat_minor, 5)
        staged_nb = nbformat.from_dict(nb)
        for i, (cell, st) in enumerate(zip(nb.cells, staged_nb.cells)):
            cell.id = st.id = f"cc-{i}"  # to find each cell again after processing
            if cell.metadata.get("skipped"): st.source = "#| eval: false\n" + cell.source
            elif cell.cell_type == "code": st.source = imports_only(cell.source)
        staged = stage/f.name; nbformat.write(staged_nb, staged)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try: process_one((staged, proc/f.name, FilterDefaults))
            except Exception as e: sys.exit(f"build_site: nbdev could not process {f.name}: {e}\n{getattr(e, '__cause__', '') or ''}")
        for w in caught:
            msg = str(w.message)
            if msg not in seen: seen.add(msg); print(f"  nbdev: {msg.splitlines()[0]}")
        if (secs := time.perf_counter() - t0) > 5: print(f"  nbdev processing of {f.name} took {secs:.1f} s (its import and export cells run again)")
        restore_outputs(nb, proc/f.name)
    return proc

SHOW_DIRECTIVES = {"export", "exports", "exporti", "exec_doc"}  # cells nbdev must run whole

def imports_only(src:str) -> str:
    "`src` with only its top-level imports if it mixes them with other code (and is not exported); else `src`."
    opts, code = split_directives(src)
    if opts.keys() & SHOW_DIRECTIVES or "show_doc(" in code: return src
    try: tree = ast.parse(code)
    except SyntaxError: return src  # cell magics and the like: nbdev does not run them either
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if not imports or len(imports) == len(tree.body): return src
    directives = src.splitlines()[:len(src.splitlines()) - len(code.splitlines())]
    return "\n".join(directives + [ast.get_source_segment(code, n) for n in imports])

def restore_outputs(executed, path:Path):
    """Put the fresh kernel's outputs and widget state back into nbdev's processed notebook.

    nbdev re-runs import cells in its own in-process shell to render show_doc and stores what
    that shell printed (tracebacks included, if the cell needs names from earlier cells)."""
    import nbformat
    nb = nbformat.read(path, as_version=4)
    cells = {c.id: c for c in executed.cells}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("id") in cells:
            run = cells[cell.id]
            cell.outputs, cell.execution_count = run.get("outputs", []), run.get("execution_count")
            if imports_only(run.source) != run.source: cell.source = run.source  # the whole cell, as the lesson has it
    if "widgets" in executed.metadata: nb.metadata["widgets"] = executed.metadata["widgets"]
    else: nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)

# ---------------------------------------------------------------- conversion
# `#| echo: false` (Quarto) or `#| slow` (nbdev); not a comment such as `# |x| is the absolute value`.
DIRECTIVE = re.compile(r"^\s*#\s*\|\s*([\w-]+)(?:\s*:\s*(.*?)|\s+([\w .,=-]*?))?\s*$")
TAGS = {("echo", "false"): "remove-input", ("output", "false"): "remove-output",
        ("include", "false"): "remove-cell"}

def split_directives(src:str):
    "Leading `#| key: value` lines of a cell as a dict, and the source without them."
    lines, opts = src.splitlines(), {}
    while lines and DIRECTIVE.match(lines[0]):
        k, v, args = DIRECTIVE.match(lines[0]).groups(); opts[k] = (v or args or "").lower(); lines.pop(0)
    return opts, "\n".join(lines)

def make_id(s:str) -> str:
    "Sphinx's anchor for a heading or name (`weighted_sum` -> `weighted-sum`)."
    from docutils.nodes import make_id as _make_id
    return _make_id(s)

def md_inline(txt:str) -> str:
    "Tiny markdown-to-HTML for link texts (code spans and emphasis)."
    out = html.escape(txt, quote=False)
    out = re.sub(r"`([^`]+)`", r'<code class="docutils literal notranslate"><span class="pre">\1</span></code>', out)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", out)

CHECKS = re.compile(r"^(test_\w+|assert_\w+|np\.testing\.\w+|torch\.testing\.\w+)$")

def is_check_only(code:str) -> bool:
    "True if `code` only checks (`assert`, `test_eq(...)`, ...): it teaches nothing a reader must see unfolded."
    try: tree = ast.parse(code)
    except SyntaxError: return False
    def check(n):
        if isinstance(n, ast.Assert): return True
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call):
            return bool(CHECKS.match(ast.unparse(n.value.func)))
        return False
    return bool(tree.body) and all(check(n) for n in tree.body)

def figure_alt(src:str, heading:str|None, page:str) -> str:
    """Alt text naming a plot: its title in the cell (`set_title`, `suptitle`, `title=`) when the title is plain text,
    else the section it is in (a title built from values, `f"... {x}"` or with `\\n`, is no text for a reader)."""
    _, code = split_directives(src)
    m = re.search(r"""(?:suptitle|set_title|title|plt\.title)\s*(?:\(|=)\s*(f?)(["'])(.+?)\2""", code)
    if m and not (m[1] and "{" in m[3]) and "\\" not in m[3] and len(m[3].strip()) > 3: return "Plot: " + m[3].strip()
    where = re.sub(r"[`*_]", "", heading or page).strip()
    return f"Plot: {where} ({page})" if heading and where != page else f"Plot from {page}"

def text_marks(txt:str) -> str:
    "The verdict marks as text symbols that every font has (a browser without an emoji font shows boxes)."
    for emoji, mark in {"✅": "✓", "⚠️": "⚠", "❌": "✗", "❔": "?", "⏳": "…"}.items(): txt = txt.replace(emoji, mark)
    return txt

def verdict_box_html(v:dict) -> str:
    """The HTML of a VerdictBox from its data (`VERDICT_MIME`): `coursecompanion.core.verdict_html`, the one renderer
    the notebooks and the site share, with text marks; `code` in claims and evidence shown as code."""
    from coursecompanion.core import verdict_html
    out = verdict_html(v, marks={**MARKS, None: "…"})
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", out)

class Converter:
    "Turn nbdev's processed notebooks into notebooks that myst-nb renders as nbdev pages would look."
    def __init__(self, cfg:dict, pages:dict[str, str]|None=None):
        "`pages` maps notebook file names to page names (`00_core.ipynb` -> `core`), for links between notebooks."
        base = (cfg.get("doc_host", "") + cfg.get("doc_baseurl", "")).rstrip("/")
        text = r"\[((?:[^\[\]]|\[[^\]]*\])+)\]"
        self.doc_link = re.compile(text + r"\(" + re.escape(base) + r"/([\w./-]*?\.html)(?:#([^)\s]*))?\)") if base else None
        self.nb_link = re.compile(text + r"\((?:\./)?([\w.-]+\.ipynb)(?:#([^)\s]*))?\)")
        self.source_link = re.compile(r"\[source\]\(([^)\s]+)\)\{[^}]*\}")
        self.pages, self.cfg = pages or {}, cfg
        self.api_ids: dict[str, set] = {}  # page (`core.html`) -> anchors of its API entries (`set-seed`)
        self.labels: set[str] = set()  # the API anchors of the page being converted

    def fix_links(self, md:str) -> str:
        "Links in `md` made relative to the site; fenced code blocks are left as they are."
        parts = re.split(r"(?ms)(^```.*?^```[ \t]*$)", md)
        return "".join(p if i % 2 else self._fix_links(p) for i, p in enumerate(parts))

    def _fix_links(self, md:str) -> str:
        md = self.source_link.sub(lambda m: f'<a class="cc-source" href="{html.escape(source_href(m[1], self.cfg))}">source</a>', md)
        def link(text, page, frag):
            anchor = make_id(frag) if frag else ""
            if anchor in self.api_ids.get(page, ()): anchor = "api-" + anchor  # an API entry's own, stable anchor
            href = page + (f"#{anchor}" if anchor else "")
            return f'<a class="reference internal" href="{html.escape(href)}">{md_inline(text)}</a>'
        # A link to another notebook (`[the Learner](02_learner.ipynb)`) goes to its page, as Quarto does.
        md = self.nb_link.sub(lambda m: link(m[1], self.pages[m[2]] + ".html", m[3]) if m[2] in self.pages else m[0], md)
        if self.doc_link is None: return md
        return self.doc_link.sub(lambda m: link(m[1], m[2], m[3]), md)

    @staticmethod
    def escape_dunders(md:str) -> str:
        "Dunder names in headings (`__call__`) render as bold: escape their underscores."
        return re.sub(r"(?m)^(#+ .*)$", lambda m: re.sub(r"__(\w+?)__", r"\_\_\1\_\_", m[1]), md)

    def show_doc_md(self, cell) -> str|None:
        "The markdown of a show_doc cell (exported names), or None if `cell` is not one."
        _, src = split_directives(cell.source)
        if not src.lstrip().startswith("show_doc("): return None
        md = "\n\n".join(o["data"]["text/markdown"] for o in cell.get("outputs", []) if "text/markdown" in o.get("data", {}))
        md = re.sub(r"^\s*---\s*\n", "", md)  # nbdev opens each block with a rule
        # A stable anchor for each entry (`#api-learner`), never `#id1` when a heading of the page has the same name.
        def label(m):
            anchor, k = f"api-{make_id(m[2])}", 2
            while anchor in self.labels:  # `Dropout` and `dropout` on one page: the second is `api-dropout-2`
                anchor, k = f"api-{make_id(m[2])}-{k}", k + 1
            self.labels.add(anchor); return f"({anchor})=\n{m[0]}"
        md = re.sub(r"(?m)^(#{1,6}) (.+)$", label, md, count=1)
        return self.escape_dunders(self.fix_links(md))

    @staticmethod
    def api_names(nb) -> set[str]:
        "The anchors (`set-seed`) of the API entries that the show_doc cells of processed notebook `nb` render."
        out = set()
        for cell in nb.cells:
            if cell.cell_type != "code" or "show_doc(" not in cell.source: continue
            for o in cell.get("outputs", []):
                md = o.get("data", {}).get("text/markdown", "")
                out |= {make_id(h) for h in re.findall(r"(?m)^#{1,6} (.+?)\s*$", md)[:1]}
        return out

    def convert(self, nb, stem:str="") -> dict:
        "Convert one processed notebook (file name `stem`) in place; return its front matter."
        import nbformat
        fm, cells = front_matter(nb), []
        self.labels = set()
        title = fm.get("title") or re.sub(r"^[\d_]+", "", stem).replace("_", " ").capitalize() or "Untitled"
        head = f"# {title}\n" + (f"\n{{.cc-description}}\n{fm['description']}\n" if fm.get("description") else "")
        cells.append(nbformat.v4.new_markdown_cell(head))
        state = (nb.metadata.get("widgets") or {}).get(WIDGET_STATE, {}).get("state", {})
        fm["verdicts"], box_at, first_section, heading = None, None, None, None
        # Every copy of the box on the page shows the lesson's final verdicts (an early display may be stale).
        final = next((o["data"][VERDICT_MIME] for c in reversed(nb.cells) for o in reversed(c.get("outputs", []))
                      if VERDICT_MIME in o.get("data", {})), None)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                heads = re.findall(r"(?m)^(#{1,6})\s+(.+?)\s*#*\s*$", cell.source)
                if heads: heading = heads[-1][1]
                if first_section is None and any(len(h) >= 2 for h, _ in heads): first_section = len(cells)
            if cell.cell_type == "raw" and cell.source.lstrip().startswith("---"): continue  # the front matter
            if cell.cell_type == "markdown":
                if cell.source.strip() == "<!-- WARNING: THIS FILE WAS AUTOGENERATED! DO NOT EDIT! -->": continue
                cell.source = self.fix_links(cell.source)
            elif cell.cell_type == "code":
                md = self.show_doc_md(cell)
                if md is not None:
                    cells.append(nbformat.v4.new_markdown_cell(md)); continue
                opts, cell.source = split_directives(cell.source)
                tags = [t for (k, v), t in TAGS.items() if opts.get(k) == v]
                if not cell.get("outputs") and is_check_only(cell.source): tags.append("hide-input")  # folded, one click away
                widget_shown = False
                for o in cell.get("outputs", []):
                    data = o.get("data", {})
                    if "text/markdown" in data: data["text/markdown"] = self.fix_links(data["text/markdown"])
                    if VERDICT_MIME in data:  # the box as the lesson left it, drawn by the core's renderer
                        data.pop(VERDICT_MIME)
                        fm["verdicts"] = final
                        data["text/html"] = verdict_box_html(final)
                        if box_at is None:
                            box_at = len(cells)
                            if first_section is None and "VerdictBox(" in cell.source:
                                tags.append("hide-input")  # at the top: the box, with the code making it folded
                    if "cc-verdict-box" in str(data.get("text/html", "")):  # marks every font has (emoji may be missing)
                        data["text/html"] = text_marks(data["text/html"])
                    if any(k.startswith("image/") for k in data) and "image" not in cell.metadata.get("mystnb", {}):
                        cell.metadata.setdefault("mystnb", {})["image"] = {"alt": figure_alt(cell.source, heading, title)}
                    # A widget whose state was not stored would be an empty box: show its text instead.
                    view = data.get(WIDGET_VIEW)
                    if view is not None and view.get("model_id") not in state: del data[WIDGET_VIEW]
                    elif view is not None: widget_shown = True
                if tags: cell.metadata["tags"] = sorted(set(cell.metadata.get("tags", [])) | set(tags))
                if not cell.source.strip() and not cell.get("outputs"): continue
                if str(cell.metadata.get("skipped", "")).startswith("#|"):  # a test flag such as slow or gpu
                    cells += [cell, nbformat.v4.new_markdown_cell(
                        f"{{.cc-skipped}}\nThis cell is marked `{cell.metadata.skipped}`: it was not run to build this page "
                        "(`tools/run_lessons.py --flags ...` runs it).")]
                    continue
                if widget_shown:  # the embedder draws the controls and their last output, but no Python runs behind them
                    cell.metadata["tags"] = sorted(set(cell.metadata.get("tags", [])) | {"cc-static"})  # drawn disabled
                    cells += [nbformat.v4.new_markdown_cell(
                        "{.cc-static-widget}\n**Static on this site:** the controls below show the state the notebook left "
                        "them in and are disabled (no Python runs behind this page). Run the notebook to use them."), cell]
                    continue
            cells.append(cell)
        if fm["verdicts"] and (box_at is None or (first_section is not None and box_at > first_section)):
            # Verdicts up front: the box, as measured, right under the title (it also stays where the lesson shows it).
            box = nbformat.v4.new_code_cell("box  # the verdicts, as the lesson measured them", metadata={"tags": ["remove-input"]}, outputs=[nbformat.v4.new_output(
                "display_data", data={"text/html": verdict_box_html(fm["verdicts"]), "text/plain": "verdicts"})])
            cells.insert(1, box)
        nb.cells = cells
        return fm

def front_matter(nb) -> dict:
    "The YAML front matter nbdev puts in a notebook's first raw cell (title, description, output-file)."
    import yaml
    raw = next((c.source for c in nb.cells if c.cell_type == "raw" and c.source.lstrip().startswith("---")), None)
    return (yaml.safe_load(raw.strip().strip("-")) or {}) if raw else {}

def lesson_number(stem:str) -> int|None:
    m = re.match(r"(\d+)", stem)
    return int(m[1]) if m else None

def part_of(stem:str) -> str:
    n = lesson_number(stem)
    return next((cap for lo, hi, cap in PARTS if n is not None and lo <= n <= hi), "More")

def toctree(pages:list[tuple[str, str]], titles:dict[str, str]|None=None, first:list[str]=()) -> str:
    """Hidden toctrees, one per course part, in course order: `pages` is [(notebook stem, doc name)]; `titles`
    (doc name -> title) puts the lesson number before each title in the sidebar; `first` are pages listed first."""
    groups, titles = {}, titles or {}
    for stem, doc in sorted(pages, key=lambda p: (lesson_number(p[0]) is None, lesson_number(p[0]) or 0, p[0])):
        n = lesson_number(stem)
        entry = f"{n:02d} · {titles[doc]} <{doc}>" if n is not None and titles.get(doc) else doc
        groups.setdefault(part_of(stem), []).append(entry)
    order = [cap for *_, cap in PARTS] + ["More"]
    head = [f"```{{toctree}}\n:caption: The course\n:hidden:\n\n" + "\n".join(first) + "\n```\n"] if first else []
    return "\n".join(head + [f"```{{toctree}}\n:caption: {cap}\n:hidden:\n\n" + "\n".join(groups[cap]) + "\n```\n"
                              for cap in order if cap in groups])

def convert_all(proc:Path, src:Path, cfg:dict) -> list[str]:
    "Write the Sphinx source folder `src` from nbdev's `proc`; return the page names."
    import nbformat
    shutil.rmtree(src, ignore_errors=True); src.mkdir(parents=True)
    nbs = {f: nbformat.read(f, as_version=4) for f in sorted(proc.glob("*.ipynb"))}
    docs = {f.name: Path(front_matter(nb).get("output-file") or f.stem).stem for f, nb in nbs.items()}
    conv, pages, index, lessons, titles = Converter(cfg, docs), [], None, [], {}
    conv.api_ids = {docs[f.name] + ".html": Converter.api_names(nb) for f, nb in nbs.items()}
    for f, nb in nbs.items():
        fm = conv.convert(nb, f.stem)
        doc = docs[f.name]
        if doc == "index": index = (nb, src/"index.ipynb")
        else:
            pages.append((f.stem, doc)); nbformat.write(nb, src/f"{doc}.ipynb")
            titles[doc] = re.sub(r"^# ", "", nb.cells[0].source.splitlines()[0])
            lessons.append({"stem": f.stem, "title": titles[doc], "summary": fm.get("description", ""),
                            "href": f"{doc}.ipynb", "box": fm.get("verdicts")})
    if index is None: sys.exit("build_site: no index notebook (nbs/index.ipynb) to use as the front page")
    (src/"claims.md").write_text(claims.claims_page(lessons), encoding="utf-8")
    nb, dest = index
    for cell in nb.cells:  # the front page's lesson table, with links and verdicts
        if cell.cell_type == "markdown" and claims.LESSONS_MARKER in cell.source:
            cell.source = cell.source.replace(claims.LESSONS_MARKER, claims.lessons_table(lessons))
    nb.cells.append(nbformat.v4.new_markdown_cell(toctree(pages, titles, first=["claims"])))
    nbformat.write(nb, dest)
    # Files the lessons' markdown may show (images next to the notebooks).
    nbs_dir = root/cfg.get("nbs_path", "nbs")
    for f in nbs_dir.rglob("*"):
        rel = f.relative_to(nbs_dir)
        if f.suffix.lower() in {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"} and not any(p.startswith((".", "_")) for p in rel.parts):
            (src/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(f, src/rel)
    return ["index", "claims"] + [d for _, d in pages]

# ---------------------------------------------------------------- the HTML, after Sphinx
def icon_css(used:set[str], fontawesome_js:Path) -> str:
    """CSS masks for the Font Awesome icons the pages use (`fa-bars`, ...), cut from the theme's 1.5 MB bundle:
    each icon is its SVG path, drawn in the text colour."""
    import urllib.parse
    js, out = fontawesome_js.read_text(encoding="utf-8"), [
        "/* The theme's icons, without Font Awesome's 1.5 MB script (tools/build_site.py writes this file). */",
        ":is(i, span).fa-solid, :is(i, span).fas { display: inline-block; width: 1.25em; height: 1em; vertical-align: -0.125em; "
        "background-color: currentColor; -webkit-mask: var(--cc-icon) center / contain no-repeat; "
        "mask: var(--cc-icon) center / contain no-repeat; font-family: inherit; }",
        ":is(i, span):is(.fa-solid, .fas)::before { content: none; }  /* no glyph, so no icon font is downloaded */",
        ":is(i, span).fa-lg { font-size: 1.25em; vertical-align: -0.2em; }"]
    for name in sorted(used):
        pat = r'(?<![\w-])"?' + re.escape(name) + r'"?:\[(\d+),(\d+),\[[^\]]*\],"[0-9a-f]+","([^"]*)"\]'
        found = list(re.finditer(pat, js))
        if not found: continue
        w, h, path = found[-1].groups()  # the solid style is defined after the regular one
        svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}"><path d="{path}"/></svg>'
        out.append(f'.fa-{name} {{ --cc-icon: url("data:image/svg+xml,{urllib.parse.quote(svg)}"); }}')
    return "\n".join(out) + "\n"

def hanging_lines(pre_html:str) -> str:
    """The inside of a highlighted `<pre>`, one `span.cc-line` per line with its indentation as `--i` (characters),
    so that a wrapped line continues under its own indentation (site.css); spans that cross lines are reopened."""
    lines, cur, stack = [], [], []
    for piece in re.split(r"(<[^>]+>)", pre_html):
        if piece.startswith("</"): stack.pop() if stack else None; cur.append(piece)
        elif piece.startswith("<"): stack.append(piece); cur.append(piece)
        else:
            parts = piece.split("\n")
            for i, t in enumerate(parts):
                if i:
                    lines.append("".join(cur) + "</span>" * len(stack)); cur = list(stack)
                cur.append(t)
    lines.append("".join(cur))
    if lines and not re.sub(r"<[^>]+>", "", lines[-1]): lines.pop()  # the newline that ends the block
    out = []
    for ln in lines:
        text = html.unescape(re.sub(r"<[^>]+>", "", ln))
        ind = len(text) - len(text.lstrip(" "))
        out.append(f'<span class="cc-line" style="--i:{ind}">{ln}\n</span>' if ind else f'<span class="cc-line">{ln}\n</span>')
    return "".join(out)

def source_pages(out:Path, cfg:dict):
    "Each module of the package as a highlighted page, `_source/<module>.html`, with line anchors (`#L-12`)."
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    dest = out/"_source"; dest.mkdir(exist_ok=True)
    lib = root/cfg.get("lib_path", cfg.get("lib_name", ""))
    for f in sorted(lib.glob("*.py")):
        if f.name.startswith("_"): continue
        fmt = HtmlFormatter(full=True, linenos="inline", lineanchors="L", anchorlinenos=True, style="friendly",
                            title=f"{lib.name}/{f.name}: source", wrapcode=True)
        page = highlight(f.read_text(encoding="utf-8"), PythonLexer(), fmt)
        page = page.replace("</head>", '<meta name="viewport" content="width=device-width, initial-scale=1"/>'
                            '<style>pre{white-space:pre-wrap;overflow-wrap:anywhere} body{margin:0.5rem}</style></head>', 1)
        page = page.replace("<body>", f'<body><p><a href="../index.html">{html.escape(cfg.get("title", "home"))}</a> · '
                            f'<code>{lib.name}/{f.name}</code>, generated from the notebooks by nbdev</p>', 1)
        (dest/f"{f.stem}.html").write_text(page, encoding="utf-8")

def link_figure(m:re.Match, text:str) -> str:
    "The image matched by `m`, wrapped in a link to its full-size file unless it already sits inside a link."
    before = text[:m.start()]
    if before.rfind("<a ") > before.rfind("</a>"): return m[0]
    return f'<a class="cc-figure" href="{m[1]}" title="Open the figure at full size">{m[0]}</a>'

def postprocess(out:Path, cfg:dict):
    """The pages as a reader gets them: Font Awesome's 1.5 MB script replaced by CSS for the icons used, each figure a
    link to its full-size image, code lines that wrap under their own indentation, the modules' source pages."""
    pages = sorted(out.glob("*.html"))
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    used = {m for t in texts.values() for m in re.findall(r'\bfa-([a-z][\w-]*)', " ".join(re.findall(r'<(?:i|span) class="([^"]*)"', t)))}
    used -= {"solid", "lg", "fw", "regular", "brands"}
    fa = out/"_static"/"scripts"/"fontawesome.js"
    if fa.exists():
        (out/"_static"/"icons.css").write_text(icon_css(used, fa), encoding="utf-8")
        for f in out.glob("_static/scripts/fontawesome.js*"): f.unlink()
    for p, t in texts.items():
        t = re.sub(r'\s*<script defer src="_static/scripts/fontawesome\.js[^"]*"></script>',
                   '\n  <link rel="stylesheet" href="_static/icons.css" />', t)
        # figures: a click opens the image at full size
        t = re.sub(r'<img [^>]*src="(_images/[^"]+)"[^>]*>', lambda m: link_figure(m, t), t)
        t = re.sub(r'(<div class="highlight[^"]*"><pre>)(.*?)(</pre>)', lambda m: m[1] + hanging_lines(m[2]) + m[3], t, flags=re.S)
        p.write_text(t, encoding="utf-8")
    source_pages(out, cfg)

# ---------------------------------------------------------------- Sphinx
def sphinx_build(src:Path, out:Path, build:Path):
    "Render `src` with Sphinx into `out` (replaced only once the build succeeds)."
    from sphinx.cmd.build import build_main
    html_dir = build/"html"
    shutil.rmtree(build, ignore_errors=True)
    os.environ["CC_SITE_VENDOR"] = os.pathsep.join(str(vendor(n)) for n in VENDOR)
    # -W: a warning (a broken reference, a bad directive) fails the build; -q: only warnings are printed.
    rc = build_main(["-b", "html", "-c", str(conf_dir), "-d", str(build/"doctrees"), "-q", "-W", "--keep-going",
                     "-j", "auto", str(src), str(html_dir)])
    if rc: sys.exit(f"build_site: Sphinx failed (exit {rc}): every warning above fails the build (a broken link, a missing image, ...)")
    postprocess(html_dir, settings())
    shutil.rmtree(out, ignore_errors=True)
    html_dir.replace(out)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--executed", default="_executed", help="folder of executed notebooks (tools/run_lessons.py)")
    p.add_argument("--out", default="_docs")
    p.add_argument("--reuse-proc", action="store_true", help="reuse _proc/ from the last build (to iterate on conversion and style)")
    a = p.parse_args()
    os.chdir(root)
    executed, out = root/a.executed, root/a.out
    if not any(executed.glob("*.ipynb")): sys.exit(f"build_site: no notebooks in {a.executed}/: run tools/run_lessons.py first")
    cfg = settings()
    stale = [f.name for f in sorted((root/cfg.get("nbs_path", "nbs")).glob("*.ipynb"))
             if not f.name.startswith(("_", ".")) and (not (executed/f.name).exists() or (executed/f.name).stat().st_mtime < f.stat().st_mtime)]
    if stale: print(f"build_site: warning: not executed since last edited, so the site shows older outputs: {', '.join(stale)} "
                    "(run tools/run_lessons.py)")
    t0 = time.perf_counter()
    proc = root/"_proc" if a.reuse_proc and (root/"_proc").is_dir() else nbdev_process(executed)
    t1 = time.perf_counter()
    pages = convert_all(proc, root/"_site_src", cfg); t2 = time.perf_counter()
    sphinx_build(root/"_site_src", out, root/"_build"/"sphinx"); t3 = time.perf_counter()
    print(f"site: {len(pages)} pages built in {t3 - t0:.1f} s (nbdev processing {t1 - t0:.1f} s, conversion {t2 - t1:.1f} s, "
          f"Sphinx {t3 - t2:.1f} s; notebook execution not included)")
    print(f"open it: python -m http.server -d {a.out} 8000   then   http://127.0.0.1:8000/")

if __name__ == "__main__": main()
