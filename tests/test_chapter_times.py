"""benchmarks/chapter_times.py: the chapter times `make bench` reports against their budgets
(read from a real jupyter-cache execution cache, or measured by executing a notebook)."""
from __future__ import annotations

import json

import nbformat
import pytest

from benchmarks import chapter_times as ct


def _notebook(path, code="x = sum(range(10))"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def book(tmp_path, monkeypatch):
    """Two chapters; the first has an execution record of 2.5 s, the second none."""
    from jupyter_cache import get_cache

    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _notebook(nbs / "01_first.ipynb")
    _notebook(nbs / "02_second.ipynb", "y = 1")
    cache = get_cache(str(tmp_path / "cache"))
    cache.cache_notebook_file(str(nbs / "01_first.ipynb"), check_validity=False,
                              data={"execution_seconds": 2.5})
    (tmp_path / "load").write_text("build start 2026-01-01T00:00:00Z: 1.00 0.50 0.25\n")
    monkeypatch.setattr(ct, "NOTEBOOKS", nbs)
    monkeypatch.setattr(ct, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(ct, "BUILD_LOAD", tmp_path / "load")
    monkeypatch.setattr(ct, "BUDGETS", {"01_first": 3, "02_second": 1})
    return nbs


def test_cached_seconds_reads_only_records_of_the_current_code(book):
    assert ct.cached_seconds() == {"01_first": 2.5}
    _notebook(book / "01_first.ipynb", "x = 2")  # edited since the build: its record is stale
    assert ct.cached_seconds() == {}


def test_quick_run_reports_cached_times_and_claims_nothing(book):
    rows = ct.run(quick=True)
    assert [r["ours"] for r in rows] == ["01_first", "02_second"]
    first, second = rows
    assert first["ours_value"] == 2.5 and first["status"] == "n/a"
    assert first["target"] == "<= 3 s" and "1.00 0.50 0.25" in first["note"]
    assert len(first["load_average_now"]) == 3
    assert second["ours_value"] is None and second["status"].startswith("not measured")
    json.dumps(rows)


def test_full_run_judges_against_the_budget_and_executes_what_is_not_cached(book):
    rows = ct.run(quick=False)
    first, second = rows
    assert first["status"] == "pass"  # 2.5 s against 3 s, from the cache
    assert second["note"].startswith("executed now") and second["ours_value"] > 0
    assert len(second["load_average_run"]) == 3
    assert second["status"] == ("pass" if second["ours_value"] <= 1 else "MISS")


def test_a_chapter_over_its_budget_is_a_miss(book, monkeypatch):
    monkeypatch.setattr(ct, "BUDGETS", {"01_first": 2, "02_second": 1})
    monkeypatch.setattr(ct, "execute_seconds", lambda nb: 0.5)
    assert [r["status"] for r in ct.run()] == ["MISS", "pass"]


def test_an_unknown_source_is_refused(monkeypatch):
    monkeypatch.setenv("LTR_BENCH_CHAPTERS", "guess")
    with pytest.raises(ValueError, match="LTR_BENCH_CHAPTERS"):
        ct.run(quick=True)
