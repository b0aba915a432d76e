# Sphinx configuration of the offline course site; tools/build_site.py runs it (`-c tools/sphinx`).
import os, sys
from configparser import ConfigParser
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))
_cp = ConfigParser(delimiters=["="]); _cp.read(here.parent.parent/"settings.ini", encoding="utf-8")
cfg = _cp["DEFAULT"]

project = cfg.get("title", cfg["lib_name"])
author = cfg.get("author", "")
copyright = cfg.get("copyright", "")
html_title = project
root_doc = "index"
language = "en"

extensions = ["myst_nb", "search_words"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
# The build runs with -W (a warning fails it); a lesson may jump heading levels (a show_doc ### right under its # title).
suppress_warnings = ["myst.header"]

# Notebooks were executed in a fresh kernel by tools/run_lessons.py: render their stored outputs.
nb_execution_mode = "off"
nb_render_markdown_format = "myst"  # show_doc and Markdown outputs may hold math and links
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "attrs_block", "attrs_inline", "colon_fence"]
myst_dmath_double_inline = True

# Vendored JavaScript (tools/build_site.py unpacks it from the npm registry): no CDN anywhere.
# Each vendored folder holds one subfolder (mathjax/, widgets/) that lands in _static/.
html_static_path = ["_static"] + [p for p in os.environ.get("CC_SITE_VENDOR", "").split(os.pathsep) if p]
mathjax_path = "mathjax/tex-chtml-full.js"  # every TeX package built in: nothing is fetched on demand
nb_ipywidgets_js = {"widgets/embed.js": {}}  # renders the widget state stored by tools/run_lessons.py
html_css_files = ["site.css"]
html_js_files = ["mathjax-widgets.js",  # before MathJax: lets the widget embedder typeset with MathJax 3
                 "search-snippets.js",  # search results quote the lesson, not the page header
                 "site.js"]  # the menu and contents buttons on a phone; static widgets disabled
html_favicon = "favicon.svg"
html_search_scorer = str(here/"scorer.js")  # a page whose title names the query ranks first
html_use_index = False  # no general index: the site has no index entries, so the page would be empty
html_domain_indices = False

html_theme = "sphinx_book_theme"
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "navigation_with_keys": False,
    "repository_url": cfg.get("git_url", ""),
    "use_repository_button": False,
}
html_context = {"default_mode": "auto"}  # the theme logs a console error without it
html_last_updated_fmt = None
html_copy_source = True
html_show_sourcelink = False
