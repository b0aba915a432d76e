#!/usr/bin/env python3
"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which is not available here).

`python tools/make_readme.py` rewrites README.md; `--check` exits 1 if README.md has drifted.
Markdown cells are copied (the lesson table generated from the notebooks, as on the site); code cells become ```python blocks followed by their text output;
cells marked `#| hide` and the front-matter cell are left out.
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(root/"tools"))
import claims  # the lesson table, generated from the notebooks as on the site
NB, README = root/"nbs"/"index.ipynb", root/"README.md"
HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n"

def _src(cell): return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]

def _directives(src): return [l[3:].strip() for l in src.splitlines() if l.startswith("#| ")]

def _code(src): return "\n".join(l for l in src.splitlines() if not l.startswith("#| ")).strip()

def _output_text(cell):
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream": out.append("".join(o["text"]))
        elif "text/plain" in o.get("data", {}): out.append("".join(o["data"]["text/plain"]) + "\n")
    return "".join(out).rstrip("\n")

def render(nb):
    "README text for the notebook `nb` (a dict)."
    parts = [HEADER]
    for cell in nb["cells"]:
        src = _src(cell)
        if any(d.startswith("hide") for d in _directives(src)): continue
        if cell["cell_type"] == "markdown":
            src = src.replace(claims.LESSONS_MARKER, claims.readme_lessons(NB.parent))
            src = re.sub(r"\]\((\d\w*\.ipynb)", r"](nbs/\1", src)  # links between notebooks, from the repository's root
            parts.append(src.strip() + "\n")
        elif cell["cell_type"] == "code" and _code(src):
            parts.append(f"```python\n{_code(src)}\n```\n")
            if out := _output_text(cell): parts.append(f"```\n{out}\n```\n")
    return "\n".join(parts)

if __name__ == "__main__":
    text = render(json.loads(NB.read_text()))
    if "--check" in sys.argv:
        if not README.exists() or README.read_text() != text:
            sys.exit("README.md is out of date with nbs/index.ipynb or the lessons' titles: run `python tools/make_readme.py`")
        print("README.md matches nbs/index.ipynb")
    else:
        README.write_text(text); print(f"wrote {README.relative_to(root)}")
