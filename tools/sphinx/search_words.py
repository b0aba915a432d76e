"""Sphinx extension: make the words inside code names searchable.

Sphinx indexes `fit_one_cycle` or `1cycle` as single words, so a search for "one cycle" or
"flush denormal" misses the pages about them. This English search language also indexes the
parts of such names: split at underscores and between digits and letters.
"""
import re
from sphinx.search.en import SearchEnglish

_parts = re.compile(r"_+|(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")

class SearchEnglishWithNameParts(SearchEnglish):
    lang = "en"
    def split(self, input:str) -> list[str]:
        words = super().split(input)
        return words + [p for w in words if _parts.search(w) for p in _parts.split(w) if p]

def setup(app):
    app.add_search_language(SearchEnglishWithNameParts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
