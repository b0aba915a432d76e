"""The package's runtime requirements stay loose, so `pip install coursecompanion fastai` works:
fastai needs fastcore 2, nbdev 2 needs fastcore 1, so nothing nbdev-related may be a runtime requirement or import."""
import ast, configparser, re
from pathlib import Path

root = Path(__file__).resolve().parent.parent
DEV_ONLY = {"nbdev", "fastcore", "execnb", "ghapi"}

def _requirements():
    cfg = configparser.ConfigParser(delimiters=["="]); cfg.read(root/"settings.ini")
    return [re.split(r"[<>=!~ ;\[]", r)[0].lower() for r in cfg["DEFAULT"]["requirements"].split()]

def test_runtime_requirements_exclude_dev_tools():
    reqs = _requirements()
    assert "torch" in reqs
    assert not DEV_ONLY & set(reqs), f"runtime requirements must not include {DEV_ONLY & set(reqs)}"

def test_runtime_requirements_are_not_pinned_exactly():
    cfg = configparser.ConfigParser(delimiters=["="]); cfg.read(root/"settings.ini")
    pinned = [r for r in cfg["DEFAULT"]["requirements"].split() if "==" in r]
    assert not pinned, f"exact pins in runtime requirements would clash with users' environments: {pinned}"

def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import): yield from (a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module: yield node.module.split(".")[0]

def test_modules_do_not_import_dev_tools():
    for f in sorted((root/"coursecompanion").glob("*.py")):
        bad = DEV_ONLY & set(_imports(f))
        assert not bad, f"{f.name} imports {bad}, which are development tools, not runtime requirements"

def test_modules_import_only_declared_or_stdlib_or_optional():
    "Third-party imports at module top level must be runtime requirements (others belong inside functions)."
    import sys
    allowed = set(_requirements()) | set(sys.stdlib_module_names) | {"coursecompanion", "__future__"}
    for f in sorted((root/"coursecompanion").glob("*.py")):
        tree = ast.parse(f.read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = set()
        for n in top:
            if isinstance(n, ast.Import): names |= {a.name.split(".")[0] for a in n.names}
            elif n.level == 0 and n.module: names.add(n.module.split(".")[0])
        assert names <= allowed, f"{f.name} imports {names - allowed} at top level but they are not runtime requirements"

ENGINE = ("core", "data", "learner", "checkpoint")

def test_engine_constants_are_immutable():
    "A module-level list or dict can be changed by any caller (fastai appends to lists it is given): export tuples."
    import importlib
    for name in ENGINE:
        mod = importlib.import_module(f"coursecompanion.{name}")
        bad = [k for k in getattr(mod, "__all__", []) if isinstance(getattr(mod, k, None), (list, dict, set))]
        assert not bad, f"coursecompanion.{name} exports mutable constants {bad}: make them tuples"

def test_the_learner_imports_no_later_module_at_import_time():
    "checkpoint builds on learner, so learner reaches it only inside the functions that use it."
    tree = ast.parse((root/"coursecompanion"/"learner.py").read_text())
    top = {n.module for n in tree.body if isinstance(n, ast.ImportFrom) and n.level == 1}
    assert top <= {"core", "data"}, f"learner.py imports {top - {'core', 'data'}} at import time"
