"""The reader of these notes (issue 16): answers in their language, and what they may skip.

* Every ``Reader's notes`` callout (``:::{admonition} Reader's notes ...``) of every chapter ends
  with one sentence in Chinese, the notes' language: a last paragraph ``**一句话回答：**`` followed
  by a space (without it CommonMark leaves the ``**`` unclosed after "：") and a single sentence
  (one closing ``。``) that is mostly Chinese characters.
* A section beyond the notes' level says so right under its heading with
  ``:::{admonition} Safe to skip on a first reading`` and ``:class: safe-to-skip``; the sections the
  issue names (Eckart–Young in chapter 5, the ARPA/KenLM details in chapter 6 ("The same numbers
  in KenLM"), the adaptive softmax in chapter 7) carry it.
"""
from __future__ import annotations

import json
import pathlib
import re

import pytest

from book_toc import toc_files

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTES_OPEN = ":::{admonition} Reader's notes"
SKIP_OPEN = ":::{admonition} Safe to skip on a first reading"
ANSWER = "**一句话回答：**"
CJK = re.compile(r"[\u4e00-\u9fff]")


def chapters() -> list[pathlib.Path]:
    return [ROOT / f"{f}.ipynb" for f in toc_files() if f.startswith("notebooks/")]


def admonitions(text: str, opener: str) -> list[str]:
    """The bodies of the ``:::`` admonitions of ``text`` whose first line starts with ``opener``
    (from the opening line to the matching closing ``:::``; nested fences are skipped)."""
    lines, out, k = text.split("\n"), [], 0
    while k < len(lines):
        if lines[k].startswith(opener):
            depth, body = 1, []
            k += 1
            while k < len(lines):
                line = lines[k].strip()
                if line.startswith(":::{") or (line.startswith(":::") and line[3:4].isalpha()):
                    depth += 1
                elif line == ":::" or (line.startswith(":::") and set(line) == {":"}):
                    depth -= 1
                    if depth == 0:
                        break
                body.append(lines[k])
                k += 1
            out.append("\n".join(body))
        k += 1
    return out


def markdown_cells(path: pathlib.Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "markdown"]


def test_admonitions_parser():
    text = ("x\n:::{admonition} Reader's notes Q1: why?\n:class: tip\nBecause.\n\n"
            ":::{note}\ninner\n:::\n\n**一句话回答：**因为。\n:::\ny")
    (body,) = admonitions(text, NOTES_OPEN)
    assert body.endswith("**一句话回答：**因为。") and "inner" in body
    assert admonitions("no callout here", NOTES_OPEN) == []


def last_paragraph(body: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
    return paragraphs[-1] if paragraphs else ""


def answer_problem(body: str) -> str | None:
    """Why the callout ``body`` does not end with a one-sentence Chinese answer (None if it does)."""
    last = last_paragraph(body)
    if not last.startswith(ANSWER + " "):
        # the space matters: CommonMark does not close ``**`` between "：" and a letter
        return f"last paragraph does not start with {ANSWER!r} and a space: {last[:60]!r}"
    sentence = last[len(ANSWER):].strip()
    plain = re.sub(r"\$[^$]*\$|`[^`]*`|\{[a-z]+\}`[^`]*`", "", sentence)
    if sentence.count("。") != 1 or not sentence.endswith("。"):
        return f"not one sentence ending in 。: {sentence!r}"
    if len(CJK.findall(plain)) < 0.5 * len(re.sub(r"\s", "", plain)):
        return f"not mostly Chinese: {sentence!r}"
    return None


@pytest.mark.parametrize("body, ok", [
    ("Text.\n\n**一句话回答：** 泄漏单元是带线性自连接的单元。", True),
    ("Text.\n\n**一句话回答：**泄漏单元是带线性自连接的单元。", False),                 # no space
    ("Text.\n\n**一句话回答：**泄漏单元是带线性自连接的单元。它不会被丢弃。", False),   # two sentences
    ("Text.\n\n**一句话回答：**A leaky unit has a linear self-connection。", False),  # not Chinese
    ("Text. **一句话回答：**在同一段里。\n\nMore text.", False),                          # not last
    ("Text.", False),
])
def test_answer_problem(body, ok):
    assert (answer_problem(body) is None) == ok


def test_every_readers_note_ends_with_a_chinese_answer():
    problems, n = [], 0
    for path in chapters():
        for cell in markdown_cells(path):
            for body in admonitions(cell, NOTES_OPEN):
                n += 1
                why = answer_problem(body)
                if why:
                    title = body.split("\n", 1)[0]
                    problems.append(f"{path.name}: {title[:50]!r}: {why}")
    assert n >= 20, f"only {n} Reader's notes callouts found"
    assert not problems, "\n".join(problems)


def skip_markers() -> dict[str, list[str]]:
    """Notebook name -> the headings of the sections marked safe to skip."""
    found: dict[str, list[str]] = {}
    for path in chapters():
        for cell in markdown_cells(path):
            lines = cell.split("\n")
            for k, line in enumerate(lines):
                if not line.startswith(SKIP_OPEN):
                    continue
                assert k + 1 < len(lines) and lines[k + 1].strip() == ":class: safe-to-skip", \
                    f"{path.name}: a safe-to-skip admonition without ':class: safe-to-skip'"
                above = [x for x in lines[:k] if x.strip()]
                assert above and above[-1].startswith("#"), \
                    f"{path.name}: a safe-to-skip admonition not right under a heading"
                found.setdefault(path.name, []).append(above[-1].lstrip("# ").strip())
    return found


def test_sections_beyond_the_notes_are_marked():
    found = skip_markers()
    wanted = {"05_word_embeddings.ipynb": "eckart", "06_ngram_language_models.ipynb": "kenlm",
              "07_neural_language_models.ipynb": "adaptive softmax"}
    missing = [f"{nb}: no safe-to-skip section about {word!r} (marked: {found.get(nb, [])})"
               for nb, word in wanted.items()
               if not any(word in h.lower() for h in found.get(nb, []))]
    assert not missing, "\n".join(missing)
