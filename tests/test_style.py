"""The code reads as one careful hand wrote it: the rules the exported modules and the example cells share.

Lines within 120 characters, no statements chained with `;` (a trailing `;` that hides a cell's output is fine),
docstrings of one line within 100 characters, one `>` summary per notebook, no notebook directive leaked into a
module, example cells of about 15 lines."""
import ast, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted((ROOT/"nbs").glob("*.ipynb"))
MODULES = sorted(p for p in (ROOT/"coursecompanion").glob("*.py") if p.name not in ("_modidx.py", "__init__.py"))
MAX_CELL = 20  # lines in an example cell (the aim is about 15; a few tables of settings run a little longer)

def code_cells(nb:Path):
    return [("".join(c["source"]), i) for i, c in enumerate(json.loads(nb.read_text())["cells"]) if c["cell_type"] == "code"]

def chained(line:str) -> bool:
    "A `;` between two statements on this line, outside strings and comments (one line read on its own)."
    code = re.sub(r"(\"[^\"\n]*\"|'[^'\n]*')", "", line).split("#")[0].rstrip()
    return ";" in code.rstrip(";")

def chained_lines(src:str) -> list[str]:
    "Lines of `src` where a `;` token has another statement after it (Python's tokenizer: strings and f-strings skipped)."
    import io, tokenize
    try: toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [l for l in src.splitlines() if chained(l)]
    lines, out = src.splitlines(), []
    for a, b in zip(toks, toks[1:]):
        if a.type == tokenize.OP and a.string == ";" and b.start[0] == a.start[0] and b.type not in (
                tokenize.COMMENT, tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER):
            out.append(lines[a.start[0] - 1])
    return out

@pytest.mark.parametrize("nb", NBS, ids=lambda p: p.stem)
def test_notebook_lines(nb):
    long = [f"cell {i}: {l[:60]}..." for s, i in code_cells(nb) for l in s.splitlines() if len(l) > 120]
    chains = [f"cell {i}: {l[:60]}" for s, i in code_cells(nb) for l in chained_lines(s)]
    assert not long, f"{nb.name}: lines over 120 characters: {long[:5]}"
    assert not chains, f"{nb.name}: statements chained with ';': {chains[:5]}"

@pytest.mark.parametrize("nb", NBS, ids=lambda p: p.stem)
def test_example_cells_are_short(nb):
    big = [f"cell {i} ({len(s.splitlines())} lines)" for s, i in code_cells(nb)
           if not s.startswith("#| export") and len(s.splitlines()) > MAX_CELL]
    assert not big, f"{nb.name}: example cells over {MAX_CELL} lines: {big}"

@pytest.mark.parametrize("nb", [p for p in NBS if p.stem != "index"], ids=lambda p: p.stem)
def test_one_summary_line(nb):
    md = [("".join(c["source"])) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "markdown"]
    summaries = [l for s in md for l in s.splitlines() if l.startswith("> ")]
    assert summaries, f"{nb.name}: no `> ` summary under the title"
    s = summaries[0][2:].strip()
    assert len(s) <= 160 and s[-1] in ".?" and s.count(". ") == 0, f"{nb.name}: summary not one sentence: {s!r}"

@pytest.mark.parametrize("mod", MODULES, ids=lambda p: p.stem)
def test_module_docstrings_and_lines(mod):
    src = mod.read_text()
    tree = ast.parse(src)
    assert len(ast.get_docstring(tree) or "") <= 160, f"{mod.name}: module docstring over 160 characters"
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            d = ast.get_docstring(node, clean=False)
            if d is not None and (len(d) > 120 or "\n" in d.strip()): bad.append(f"{node.name} ({len(d)} chars)")
    assert not bad, f"{mod.name}: docstrings longer than one line of 120 characters: {bad[:8]}"
    lines = src[src.find("# %% ../nbs"):].splitlines()  # after nbdev's generated `__all__`
    assert not [l for l in lines if len(l) > 120], f"{mod.name}: lines over 120 characters"
    assert not chained_lines(src), f"{mod.name}: statements chained with ';'"
    assert not [l for l in lines if re.match(r"\s*#\|", l)], f"{mod.name}: a notebook directive was exported"
