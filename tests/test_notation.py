"""One notation across the book (issue 12, section 4).

Every chapter in ``_toc.yml`` opens with exactly one collapsed *Symbols in this chapter* list,
right after its title cell, with one bullet ``- $symbol$: meaning`` per symbol it defines and a
link to ``book/notation.md``. The notation page is the single reference: its topic tables
(header ``| symbol | meaning | chapters |``) hold one row per symbol *and meaning*, and the
*chapters* column lists the chapters that use the symbol in that sense.

The checks: every (symbol, meaning) a chapter lists is a row of the page whose chapters include
that chapter; every chapter a row names lists that row in its block (no stale rows); a symbol
that two chapters give different meanings therefore has one row per meaning, and no chapter
falls under two rows of one symbol (the chapter-scoping convention).
"""
from __future__ import annotations

import json
import pathlib
import re

import pytest

from book_toc import toc_files

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTATION = ROOT / "book" / "notation.md"
BLOCK_TITLE = ":::{admonition} Symbols in this chapter"
BULLET = re.compile(r"^- ((?:\$[^$]+\$(?:, )?)+): (.+)$")
ROW = re.compile(r"^\| (.+?) \| (.+?) \| (\d+(?:, \d+)*) \|$")
HEADER = "| symbol | meaning | chapters |"


def _norm_symbol(s: str) -> str:
    """LaTeX compared without spaces: ``$a^i_t, a^f_t$`` == ``$a^i_t,a^f_t$``."""
    return re.sub(r"\s+", "", s)


def _norm_meaning(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def chapter_notebooks() -> dict[int, pathlib.Path]:
    """Chapter number (the file's two-digit prefix) -> notebook, for every chapter in the toc."""
    chapters = {}
    for f in toc_files():
        if f.startswith("notebooks/"):
            path = ROOT / f"{f}.ipynb"
            chapters[int(path.name[:2])] = path
    return chapters


def symbol_block(nb_path: pathlib.Path) -> tuple[int, str]:
    """(index of the one cell holding the block, the block's text); fails on none or several."""
    cells = json.loads(nb_path.read_text())["cells"]
    hits = [(k, "".join(c["source"])) for k, c in enumerate(cells)
            if c["cell_type"] == "markdown" and "Symbols in this chapter" in "".join(c["source"])]
    assert len(hits) == 1, f"{nb_path.name}: {len(hits)} 'Symbols in this chapter' cells, want 1"
    k, text = hits[0]
    assert text.count(BLOCK_TITLE) == 1, f"{nb_path.name}: the block must be one {BLOCK_TITLE}"
    return k, text


def parse_block(text: str, where: str = "") -> dict[str, str]:
    """normalised symbol -> meaning, from the block's bullets; every bullet must parse."""
    entries: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("- "):
            continue
        m = BULLET.match(line)
        assert m, f"{where}: bullet not of the form '- $symbol$: meaning': {line!r}"
        sym = _norm_symbol(m.group(1))
        assert sym not in entries, f"{where}: {m.group(1)} listed twice"
        entries[sym] = _norm_meaning(m.group(2))
    assert entries, f"{where}: the block lists no symbol"
    return entries


def parse_notation(text: str) -> list[tuple[str, str, set[int]]]:
    """(normalised symbol, meaning, chapters) for every row of the page's symbol tables."""
    rows, in_table = [], False
    for line in text.splitlines():
        if line.strip() == HEADER:
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                in_table = False
                continue
            if line.startswith("|---"):
                continue
            m = ROW.match(line)
            assert m, f"notation.md: row not of the form '| symbol | meaning | 1, 2 |': {line!r}"
            rows.append((_norm_symbol(m.group(1)), _norm_meaning(m.group(2)),
                         {int(c) for c in m.group(3).split(",")}))
    return rows


def check_notation(blocks: dict[int, dict[str, str]], rows) -> list[str]:
    """The problems between the chapters' blocks and the page's rows (empty when they agree)."""
    problems = []
    for ch, entries in sorted(blocks.items()):
        for sym, meaning in entries.items():
            same_symbol = [r for r in rows if r[0] == sym and ch in r[2]]
            if not same_symbol:
                problems.append(f"chapter {ch}: {sym} ({meaning}) is not on the notation page "
                                f"with chapter {ch}")
            elif len(same_symbol) > 1:
                problems.append(f"chapter {ch}: {sym} has {len(same_symbol)} rows naming this "
                                f"chapter; a chapter gives a symbol one meaning")
            elif same_symbol[0][1] != meaning:
                problems.append(f"chapter {ch}: {sym} means {meaning!r} in the chapter but "
                                f"{same_symbol[0][1]!r} on the notation page (a second meaning "
                                f"needs its own, chapter-scoped row)")
    for sym, meaning, chapters in rows:
        for ch in sorted(chapters):
            if blocks.get(ch, {}).get(sym) != meaning:
                problems.append(f"notation.md: {sym} ({meaning}) names chapter {ch}, whose "
                                f"block does not list it with that meaning")
    seen = {}
    for sym, meaning, _ in rows:
        if (sym, meaning) in seen:
            problems.append(f"notation.md: {sym} ({meaning}) has two rows; list its chapters in one")
        seen[(sym, meaning)] = True
    return problems


def _blocks() -> dict[int, dict[str, str]]:
    return {ch: parse_block(symbol_block(nb)[1], nb.name)
            for ch, nb in chapter_notebooks().items()}


def test_every_toc_chapter_has_one_symbol_block_after_its_title():
    chapters = chapter_notebooks()
    assert chapters, "no chapter notebooks in _toc.yml"
    for ch, nb in chapters.items():
        k, text = symbol_block(nb)
        assert k == 1, f"{nb.name}: the symbol block must follow the title cell (it is cell {k})"
        assert ":class: dropdown" in text, f"{nb.name}: the symbol block must be collapsed"
        assert "{doc}`../book/notation`" in text, f"{nb.name}: the block must link the notation page"


def test_notation_page_lists_every_chapter_symbol_with_its_chapters():
    rows = parse_notation(NOTATION.read_text())
    assert len(rows) > 50, "notation.md's symbol tables are missing or unparsed"
    problems = check_notation(_blocks(), rows)
    assert not problems, "\n".join(problems)


def test_symbols_with_two_meanings_are_chapter_scoped():
    """A symbol two chapters use differently has one row per meaning with disjoint chapters."""
    rows = parse_notation(NOTATION.read_text())
    by_symbol: dict[str, list[set[int]]] = {}
    for sym, _, chapters in rows:
        by_symbol.setdefault(sym, []).append(chapters)
    multi = {s: chs for s, chs in by_symbol.items() if len(chs) > 1}
    assert multi, "expected some chapter-scoped symbols (tau, k, T ...)"
    for sym, chapter_sets in multi.items():
        union = set().union(*chapter_sets)
        assert sum(map(len, chapter_sets)) == len(union), f"{sym}: a chapter under two meanings"


def test_the_checks_can_fail():
    """Each kind of disagreement is caught: a missing row, a second meaning without its own row,
    a stale row, and a symbol whose spacing differs still matches."""
    blocks = {1: {"$\\tau$": "time constant"}, 6: {"$\\tau$": "temperature"}}
    good = [("$\\tau$", "time constant", {1}), ("$\\tau$", "temperature", {6})]
    assert check_notation(blocks, good) == []
    assert check_notation(blocks, good[:1])  # chapter 6's tau missing
    assert check_notation(blocks, [("$\\tau$", "time constant", {1, 6})])  # not scoped
    assert check_notation({1: blocks[1]}, good)  # stale row for chapter 6
    assert parse_block("- $a^i_t, a^f_t$: blocks") == {"$a^i_t,a^f_t$": "blocks"}
    with pytest.raises(AssertionError, match="bullet"):
        parse_block("- a_t: no dollar signs")
    page = NOTATION.read_text()
    dropped = "\n".join(ln for ln in page.splitlines() if not ln.startswith("| $\\beta$ |"))
    assert dropped != page
    assert any("\\beta" in p for p in check_notation(_blocks(), parse_notation(dropped)))
