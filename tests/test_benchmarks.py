"""Smoke tests of ``make bench`` (``benchmarks/``): every benchmark script runs on tiny inputs
and returns well-formed records; a peer that is not installed gives a "peer unavailable" row
instead of an error; the runner writes results.json and results.md. The numbers themselves are
never asserted (speed is measured by ``make bench``, not tested). Nothing is installed here:
the peers are used only if ``make bench`` already put them in ``benchmarks/.peers``."""
import json
import pathlib
import sys

import pytest

from benchmarks import ngram_kn, peers
from benchmarks import run as runner

ROOT = pathlib.Path(__file__).resolve().parents[1]

FIELDS = {"benchmark", "ours", "peer", "metric", "ours_value", "peer_value", "ratio", "target",
          "status", "note"}


def check_records(rows, name):
    assert rows, f"{name} returned no records"
    for r in rows:
        assert FIELDS <= set(r), f"{name}: record lacks {FIELDS - set(r)}"
        assert r["benchmark"] == name
        assert r["status"] in ("pass", "MISS", "n/a") or r["status"].startswith(
            ("peer unavailable: ", "ours unavailable: ", "not measured: ")), r["status"]
        assert not r["status"].startswith("error"), r["status"]
        if r["status"].startswith("peer unavailable"):
            assert r["peer_value"] is None and r["ratio"] is None
        elif isinstance(r["ours_value"], float) and isinstance(r["peer_value"], float):
            assert r["ratio"] == pytest.approx(r["ours_value"] / r["peer_value"])
        json.dumps(r)  # serialisable


FAST = ["lstm_cell", "gru_cell", "ngram_kn", "rnnlm", "bpe", "page_weight"]
SLOW = ["sgns", "ppmi_svd", "book_build", "chapter_times", "widget_update", "char_lm"]


@pytest.mark.parametrize("name", FAST + [pytest.param(n, marks=pytest.mark.slow) for n in SLOW])
def test_benchmark_runs_on_tiny_inputs(name):
    import importlib

    mod = importlib.import_module(f"benchmarks.{name}")
    rows = mod.run(quick=True, shared={})
    check_records(rows, name)
    assert all(r["status"] in ("n/a",) or "unavailable" in r["status"]
               or r["status"].startswith("not measured") for r in rows), \
        "quick runs must not claim pass/MISS against the targets"


def test_cells_agree_with_torch_before_timing():
    from benchmarks.lstm_cell import cell_functions, QUICK

    for kind in ("lstm", "gru"):
        for dtype, tol in (("float32", 1e-4), ("float64", 1e-10)):
            _, _, diff = cell_functions(kind, dtype, QUICK)
            assert diff < tol, (kind, dtype, diff)


def test_missing_peers_give_unavailable_rows(monkeypatch, tmp_path):
    """No lmplz and no NLTK/scikit-learn: the rows say so and the benchmark still runs ours."""
    from benchmarks import ngram_kn, ppmi_svd

    monkeypatch.setattr(peers, "lmplz_path", lambda: None)
    monkeypatch.setattr(peers, "PY_TARGET", tmp_path / "nothing-here")
    for mod in ("nltk", "sklearn"):
        if mod not in sys.modules:  # make the import fail even if installed elsewhere
            monkeypatch.setitem(sys.modules, mod, None)
    rows = ngram_kn.run(quick=True, shared={"lmplz_reason": "no compiler (test)"})
    check_records(rows, "ngram_kn")
    kenlm_rows = [r for r in rows if "KenLM" in r["peer"]]
    assert kenlm_rows and all(r["status"] == "peer unavailable: no compiler (test)"
                              for r in kenlm_rows)
    assert all(r["ours_value"] is not None for r in kenlm_rows)  # ours still measured
    if "nltk" not in sys.modules or sys.modules["nltk"] is None:
        nltk_rows = [r for r in rows if "NLTK" in r["peer"]]
        assert nltk_rows and all(r["status"].startswith("peer unavailable: cannot import nltk")
                                 for r in nltk_rows)
    if sys.modules.get("sklearn") is None:
        rows = ppmi_svd.run(quick=True)
        assert rows[0]["status"].startswith("peer unavailable: cannot import sklearn")


def _small_counts_of_counts(name, size, n=5):
    import numpy as np

    from helpers import ngram
    from helpers.data import Vocab

    train, _ = ngram_kn.small_corpus(name, size)
    C = ngram.count_ngrams(train, n, vocab=Vocab.build(train))
    out = []
    for k in range(1, n + 1):
        a = ngram.adjusted_counts(C, k, n)
        out.append(ngram.counts_of_counts(a[a > 0] if k > 1 else np.delete(a, C.stoi["<s>"])))
    return np.array(out)                                   # (n, 4): n_1..n_4 per order


def test_small_corpora_reach_kenlms_edge_cases():
    """The small-data comparison covers both of KenLM's cases: an order with n_4 = 0 but
    n_1..n_3 > 0 (estimated, D_3+ = 3) and an order with n_3 = 0 (refused without the fallback)."""
    nj = {case: _small_counts_of_counts(*case) for case in ngram_kn.SMALL_CORPORA}
    assert any(((m[:, 3] == 0) & (m[:, :3] > 0).all(axis=1)).any() for m in nj.values())
    assert any((m[:, :3] == 0).any() for m in nj.values())
    for size in (200, 50):
        assert size in {s for _, s in ngram_kn.SMALL_CORPORA}


@pytest.mark.parametrize("name, size", ngram_kn.SMALL_CORPORA)
def test_modified_kn_equals_lmplz_on_small_data(name, size):
    """Orders 2-5: the same refusals, the same discounts (lmplz prints six digits) and the same
    test perplexity to 0.01 %. Skipped unless ``make bench`` has built lmplz."""
    import numpy as np

    if peers.lmplz_path() is None:
        pytest.skip("lmplz is not built (make bench builds it into benchmarks/.peers)")
    pytest.importorskip("kenlm")
    train, test = ngram_kn.small_corpus(name, size)
    assert len(train) == size
    for n in ngram_kn.SMALL_ORDERS:
        r = ngram_kn.compare_small(peers.lmplz_path(), train, test, n)
        assert r["ours_refused"] == r["lmplz_refused"], (name, size, n)
        np.testing.assert_allclose(r["ours_discounts"], r["peer_discounts"], rtol=5e-6,
                                   err_msg=f"{name} {size} n={n}")
        assert r["ours_ppl"] == pytest.approx(r["peer_ppl"], rel=1e-4), (name, size, n)


def test_runner_writes_json_and_markdown(tmp_path, capsys):
    assert runner.main(["--quick", "--no-install", "--only", "lstm_cell", "gru_cell",
                        "--out-dir", str(tmp_path), "--note", "smoke test"]) == 0
    records = json.loads((tmp_path / "results.json").read_text())
    assert {r["benchmark"] for r in records} == {"lstm_cell", "gru_cell"}
    for r in records:
        assert FIELDS | {"machine", "versions", "date"} <= set(r)
    md = (tmp_path / "results.md").read_text()
    assert "| benchmark | ours | peer |" in md and "smoke test" in md
    assert md in capsys.readouterr().out  # the table is printed


def test_runner_merge_keeps_other_benchmarks(tmp_path):
    runner.main(["--quick", "--no-install", "--only", "lstm_cell", "--out-dir", str(tmp_path)])
    runner.main(["--quick", "--no-install", "--only", "gru_cell", "--merge",
                 "--out-dir", str(tmp_path)])
    names = [r["benchmark"] for r in json.loads((tmp_path / "results.json").read_text())]
    assert names[0] == "lstm_cell" and "gru_cell" in names


def test_a_failing_benchmark_does_not_stop_the_run(tmp_path, monkeypatch):
    from benchmarks import gru_cell

    def boom(quick=False, shared=None):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(gru_cell, "run", boom)
    runner.main(["--quick", "--no-install", "--only", "gru_cell", "lstm_cell",
                 "--out-dir", str(tmp_path)])
    records = json.loads((tmp_path / "results.json").read_text())
    assert records[0]["status"].startswith("error: RuntimeError")
    assert any(r["benchmark"] == "lstm_cell" for r in records)


@pytest.mark.parametrize("argv", [["--only", "nope"], ["--skip", "x"], ["--bogus"]])
def test_runner_rejects_bad_arguments(argv):
    with pytest.raises(SystemExit):
        runner.main(argv)


@pytest.mark.parametrize("repeats", [0, -1])
def test_interleaved_rejects_bad_repeats(repeats):
    from benchmarks.common import interleaved

    with pytest.raises(ValueError, match="repeats"):
        interleaved({"a": lambda: None}, repeats=repeats)


def test_interleaved_rotates_and_warms_up():
    from benchmarks.common import interleaved

    calls = []
    t = interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                    repeats=3, warmup=1)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]
    assert [len(v) for v in t.values()] == [3, 3]


def test_rnnlm_reads_the_stored_main_run():
    """Without a checkpoint the rnnlm row falls back on results/ch07_lstm.json: it must find the run."""
    from benchmarks import rnnlm

    stored = json.loads(rnnlm.RESULT.read_text())["runs"]
    assert list(stored) == [rnnlm.RUN]
    ppl, config, where = rnnlm.stored_lstm()
    if stored[rnnlm.RUN].get("status") == "done":
        assert ppl == stored[rnnlm.RUN]["final"]["test_ppl"] and config == stored[rnnlm.RUN]["config"]
    assert rnnlm.training_status() == stored[rnnlm.RUN].get("status")


def test_readme_quotes_only_what_make_bench_recorded():
    """The README's "How fast" list is exactly what `make bench` writes from results.json."""
    import json

    from benchmarks.run import README_END, README_START, readme_summary

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert README_START in readme and README_END in readme, "README lost its bench markers"
    section = readme.split(README_START, 1)[1].split(README_END, 1)[0].strip()
    records = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    assert section == readme_summary(records).strip(), (
        "README's bench section differs from benchmarks/results.json: run `make bench` "
        "(or benchmarks.run.update_readme) instead of editing it by hand")
