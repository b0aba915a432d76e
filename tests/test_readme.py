"README.md is generated from nbs/index.ipynb and must not drift from it."
import json, subprocess, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def test_readme_matches_index():
    r = subprocess.run([sys.executable, str(root/"tools"/"make_readme.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + r.stdout

def test_readme_has_the_two_commands():
    text = (root/"README.md").read_text()
    assert "bash tools/site.sh" in text and "bash tools/test.sh" in text
