"""The course notes' claims, restated in this project's words, and the lesson that measures each.

tools/build_site.py builds the site's "Claims and verdicts" page from this list and from the
verdicts the executed lessons record (their VerdictBox output, `coursecompanion.core.VERDICT_MIME`).
Every claim names the lesson that measures it (its notebook `NN_*.ipynb`).
"""
import html, json, re
from pathlib import Path

# number: (the claim, in our words, lesson number(s) that measure it)
CLAIMS = {
    1: ("Layers of affine maps with nonlinearities between them can approximate any continuous function as closely as "
        "we like, which is why architectures stack them and grow deeper.", [3]),
    2: ("Loss surfaces have sharp and flat regions; a minimum in a flat region generalises better than a sharp one, "
        "because the loss stays low all around it.", [4]),
    3: ("RMSprop accelerates: after a stretch of small gradients it takes bigger steps.", [5]),
    4: ("An LR range test (raise the LR exponentially from about 1e-7 to 1 or 10 and record the loss) picks the maximum "
        "LR, where the loss is still falling, with the minimum about ten times lower.", [6, 7]),
    5: ("1cycle (LR up from the minimum to the maximum, then back down) trains faster and ends in flatter solutions "
        "that generalise better: the high LR in the middle jumps out of narrow valleys.", [7]),
    6: ("Transfer learning: start from pretrained weights, train the head first with the body frozen, then unfreeze "
        "everything, normalising with the pretraining statistics; unfreezing may or may not help.", [8]),
    7: ("Discriminative learning rates: earlier layers train with much lower LRs than later ones; for NLP the lowest "
        "LR is the highest divided by 2.6 to the power 4.", [8]),
    8: ("A random forest fitted to past runs can guide a hyperparameter search.", [10]),
    9: ("Start from the library's or the paper's default hyperparameters (\"don't be a hero\").", [10]),
    10: ("A weight decay of 0.1 is a good default: much more underfits, much less overfits (then stop early).", [9]),
    11: ("The number of parameters is the wrong measure of a model's complexity: use many parameters and penalise "
          "their squared size (L2 regularisation, weight decay).", [9, 16, 17]),
    12: ("Dropout is one of the designs found in state-of-the-art models.", [9]),
    13: ("Mixed precision means float16 for the forward pass and float32 for backpropagation.", [11]),
    14: ("Progressive resizing: train on small images first, then continue on larger ones with the same weights.", [13]),
    15: ("Multi-label classification: multi-hot targets, one sigmoid per class, binary cross-entropy per element.", [14]),
    16: ("A language model predicts the next word; it needs a lot of text, so pretrain one and reuse it (ULMFiT).", [15]),
    17: ("Categorical columns can enter a neural network through embeddings, alongside the continuous columns.", [16]),
    18: ("Collaborative filtering: random user and item embeddings whose dot product is fitted to the ratings by MSE "
          "with gradient descent.", [17]),
    19: ("Activation heat maps show which parts of an image drove a prediction.", [18]),
}

# in every text font, emoji or not (coursecompanion.core.VERDICTS, in order)
MARKS = {"holds": "✓", "holds with a caveat": "⚠", "does not hold here": "✗", "not settled here": "?"}
LESSONS_MARKER = "<!-- cc:lessons -->"  # nbs/index.ipynb: where the generated lesson table goes

def lesson_number(stem:str) -> int|None:
    m = re.match(r"(\d+)[a-z]?_", stem)
    return int(m[1]) if m else None

def notebook_title(nb:dict) -> tuple[str, str]:
    "A notebook's H1 title and its `> summary` line (nbdev's front matter), from its first markdown cell that has them."
    for c in nb.get("cells", []):
        if c.get("cell_type") != "markdown": continue
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        m = re.search(r"(?m)^#\s+(.+?)\s*$", src)
        if m:
            d = re.search(r"(?m)^>\s*(.+?)\s*$", src[m.end():])
            return m[1], (d[1] if d else "")
    return "", ""

def md_cell(txt:str) -> str: return str(txt).replace("|", "\\|").replace("\n", " ")

def verdict_summary(box:dict|None) -> str:
    "One line for a lesson's verdicts: `⚠️ claim 3: holds with a caveat`; the lesson's own checks without a number."
    if not box: return ""
    out = []
    for c in box.get("claims", []):
        v = c.get("verdict") or "not measured"
        who = f"claim {c['number']}" if c["number"] in CLAIMS else "own check"
        out.append(f"{MARKS.get(c.get('verdict'), '…')} {who}: {v}")
    return "; ".join(out)

def lessons_table(lessons:list[dict], verdicts:bool=True) -> str:
    """A Markdown table of the lessons: number, lesson (linked where `href` is given), idea, and verdicts.
    `lessons`: dicts with stem, title, summary, href (or None) and box (the VerdictBox data, or None)."""
    head = "| # | lesson | idea |" + (" verdicts |" if verdicts else "")
    rows = [head, "|---|---|---|" + ("---|" if verdicts else "")]
    for l in sorted(lessons, key=lambda l: (lesson_number(l["stem"]) is None, lesson_number(l["stem"]) or 0, l["stem"])):
        n = lesson_number(l["stem"])
        name = md_cell(l["title"] or l["stem"])
        link = f"[{name}]({l['href']})" if l.get("href") else name
        label = re.match(r"(\d+[a-z]?)_", l["stem"])[1] if n is not None else ""  # 02a keeps its letter
        row = f"| {label} | {link} | {md_cell(l['summary'])} |"
        rows.append(row + (f" {md_cell(verdict_summary(l.get('box')))} |" if verdicts else ""))
    return "\n".join(rows)

INTRO = """The course notes make the claims below. Each lesson restates the claims it tests as a measurable claim
(with the smallest effect that matters, stated in its prose before the experiment runs), measures the paired effect
on each seed (fold, image), signed so that a positive effect supports the claim, and lets one rule decide from the
90% Student-t interval on their mean:

- **✓ holds**: the whole interval lies above the threshold;
- **✗ does not hold here**: the whole interval lies below it (a fair test in the setting the course means, or the
  closest a 2-core CPU allows);
- **? not settled here**: the interval spans the threshold; the lesson says how many runs would settle it
  (one run never settles anything);
- **⚠ holds with a caveat**: the claim as stated is not shown, but a narrower claim, decided by the same rule, holds.

Each row gives the course's wording, the claim as the lesson tested it, the verdict and the numbers it came from
(the mean effect, its interval, the number of runs and the threshold), whole. The table is generated from the
executed lessons' verdict boxes, so the verdicts here are the ones the lessons computed."""

def _esc(txt) -> str: return html.escape(str(txt), quote=True)

def _code_spans(txt:str) -> str:
    "Escaped text with `code` spans as <code>."
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _esc(txt))

def _decision_cells(c:dict|None) -> tuple[str, str, str]:
    "The tested claim, the verdict and the figures of one recorded claim (`c` from a box), as HTML; whole, never cut."
    if not c or not c.get("verdict"):
        tested = _code_spans(c["claim"]) if c else ""
        return tested, '<span class="cc-verdict-none">… not measured in this build</span>', ""
    d, v = c.get("decision") or {}, c["verdict"]
    tested = _code_spans(d.get("claim") or c["claim"])
    verdict = f'<span class="cc-verdict-{v.replace(" ", "-")}">{MARKS.get(v, "…")} <b>{_esc(v)}</b></span>'
    figures = []
    for p in d.get("parts") or []:
        figures.append(f'<li>{_code_spans(p["claim"])}: <b>{_esc(p["verdict"])}</b> ({_esc(p["summary"])})</li>')
    if not d.get("parts") and d.get("summary"): figures.append(f'<li>{_esc(d["summary"])}</li>')
    if d.get("narrower") and not d.get("parts"):
        n = d["narrower"]
        figures.append(f'<li>narrower claim that holds: {_code_spans(n["claim"])} ({_esc(n["summary"])})</li>')
    if c.get("evidence"): figures.append(f'<li class="cc-evidence">{_code_spans(c["evidence"])}</li>')
    return tested, verdict, f'<ul class="cc-decision">{"".join(figures)}</ul>' if figures else ""

def claims_table(lessons:list[dict]) -> str:
    """The claims table as HTML: one row per claim and lesson that measures it, with `data-label`s so that a phone
    shows each row as a card. `lessons` as for `lessons_table`."""
    by_number, by_lesson = {}, {lesson_number(l["stem"]): l for l in lessons if lesson_number(l["stem"]) is not None}
    for l in lessons:
        for c in (l.get("box") or {}).get("claims", []): by_number.setdefault(c["number"], []).append((l, c))
    rows = []
    for n, (claim, nums) in CLAIMS.items():
        found = by_number.get(n) or [(by_lesson[k], None) for k in nums[:1] if k in by_lesson] or [(None, None)]
        for l, c in found:
            tested, verdict, figures = _decision_cells(c)
            if l is None: where = f"lesson {nums[0]:02d}"
            else:
                k = lesson_number(l["stem"])
                href = re.sub(r"\.ipynb$", ".html", l["href"])  # raw HTML: Sphinx does not resolve it
                where = f'<a class="reference internal" href="{_esc(href)}">{k:02d} · {_esc(l["title"])}</a>'
            rows.append(f'<tr id="claim-{n}"><td data-label="#">{n}</td>'
                        f'<td data-label="claim"><p class="cc-course"><span class="cc-label">The course:</span> {_code_spans(claim)}</p>'
                        f'<p class="cc-tested-as"><span class="cc-label">Tested in {where}{":" if tested else ""}</span> {tested}</p></td>'
                        f'<td data-label="verdict">{verdict}</td><td data-label="effect, interval, n">{figures}</td></tr>')
    return ('<table class="cc-table cc-claims"><thead><tr><th>#</th><th>claim</th><th>verdict</th>'
            '<th>effect, interval, n</th></tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>")

def claims_page(lessons:list[dict]) -> str:
    "The MyST page `claims.md`: every claim of the course notes, as tested, with its lesson, verdict and figures."
    return "\n".join(["# Claims and verdicts", "", INTRO, "", "```{raw} html", claims_table(lessons), "```", "",
                      "## Every lesson", "",
                      "Each lesson, with the claims it checks (the course's, by number, and its own checks).", "",
                      lessons_table(lessons), ""])

def readme_lessons(nbs_dir:Path) -> str:
    "The lesson table for README.md, from the notebooks in `nbs_dir` (no verdicts: those come from running them)."
    lessons = []
    for f in sorted(nbs_dir.glob("[0-9]*.ipynb")):
        title, summary = notebook_title(json.loads(f.read_text()))
        lessons.append({"stem": f.stem, "title": title, "summary": summary, "href": f"nbs/{f.name}", "box": None})
    return lessons_table(lessons, verdicts=False)
