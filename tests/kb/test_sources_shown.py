"""What pages, cards, handouts and the CLI show of a source is its title, its citation
and its link: a citation says what the source is (authors, journal, edition, the rule it
gives), never where or how the KB's authors read it (mirror pages, repository files),
which the source's ``remark`` keeps."""

from __future__ import annotations

import re
from typing import Any

import pydantic

from spinecare.kb import load_kb

# a web address or a domain written without its scheme, or a file of a repository
_ADDRESS = re.compile(
    r"\b[\w-]+\.(?:com|org|net|ru|us|se|vn|uk|io)\b|\w/\w+\.(?:xml|json|fsh|txt|md|sql)\b"
)
_PROVENANCE = re.compile(
    r"\b(?:mirror|mirrored|copy at|excerpt at|quoted at|read on|seen only)\b", re.I
)


def _cited(node: Any, out: set[str]) -> None:
    """The sources the KB cites outside its terminology (code lists): those shown."""
    if isinstance(node, pydantic.BaseModel):
        for key, value in node:
            if key == "sources" and isinstance(value, list):
                out.update(v for v in value if isinstance(v, str))
            elif key != "terminology":
                _cited(value, out)
    elif isinstance(node, list | tuple):
        for value in node:
            _cited(value, out)
    elif isinstance(node, dict):
        for value in node.values():
            _cited(value, out)


def test_a_shown_citation_names_the_source_not_where_it_was_read() -> None:
    kb = load_kb()
    shown: set[str] = set()
    _cited(kb.model, shown)
    assert len(shown) > 50
    bad = {
        sid: kb.sources[sid].citation
        for sid in sorted(shown)
        if kb.sources[sid].citation
        and (
            _ADDRESS.search(kb.sources[sid].citation or "")
            or _PROVENANCE.search(kb.sources[sid].citation or "")
        )
    }
    assert not bad
