"""The one trafilatura call of the project: the main text of an HTML page.

``scrape`` (the text it stores beside each page) and ``clean`` (kind ``"html"``) both call
:func:`main_text`, so a page gives the same main text whichever way it comes in. Layout tables
are turned into divs first, so the extractor can drop the furniture in them.
"""

from __future__ import annotations

import re
from typing import Any

from plannlp.text import nfc

# Options of the trafilatura call, in one place.
OPTIONS: dict[str, Any] = {
    "output_format": "txt",
    "include_tables": True,
    "include_comments": False,
    "include_links": False,
    "include_images": False,
    "favor_recall": True,
    "deduplicate": False,
}

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_BLOCK_TAGS = frozenset({"p", "div", "table", "ul", "ol", "form", "h1", "h2", "h3", "h4", "h5", "h6"})
_TABLE_PARTS = "./tr|./thead|./tbody|./tfoot|./*/tr"
_OWN_CELLS = "./tr/td|./tr/th|./*/tr/td|./*/tr/th"


def parse_tree(html: str) -> Any:
    """The page parsed by lxml, or None for markup lxml gives up on."""
    import lxml.html

    try:
        return lxml.html.document_fromstring(_XML_DECL.sub("", html, count=1) or "<html></html>")
    except Exception:  # lxml raises several types on hopeless markup; such a page just has no tree
        return None


def unwrap_layout_tables(tree: Any) -> None:
    """Turn tables used for page layout into divs, so the extractor can drop the furniture in them.

    Old portals lay the whole page out in one table; kept as a table, its menu and sidebar cells
    come out as table rows beside the text. A table counts as layout when it holds another table or
    a cell with three or more blocks; a data table (targets by year) has neither and stays a table.
    """
    for table in tree.xpath("//table"):
        cells = table.xpath(_OWN_CELLS)
        nested = bool(table.xpath(".//table"))
        if not nested and not any(
            sum(1 for child in cell if child.tag in _BLOCK_TAGS) >= 3 for cell in cells
        ):
            continue
        for part in [table, *table.xpath(_TABLE_PARTS), *cells]:
            part.tag = "div"


def main_text(html: str, url: str | None = None, tree: Any = None) -> str:
    """The main text of ``html`` by trafilatura with :data:`OPTIONS`, NFC; "" if none is found.

    ``tree`` is the page already parsed by :func:`parse_tree` (it is changed in place); without
    it the page is parsed here.
    """
    import trafilatura

    if tree is None:
        tree = parse_tree(html)
    if tree is not None:
        unwrap_layout_tables(tree)
    text = trafilatura.extract(html if tree is None else tree, url=url, **OPTIONS)
    return nfc(text or "")
