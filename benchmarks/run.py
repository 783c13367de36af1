"""``make bench``: run every benchmark, write ``benchmarks/results.json`` and
``benchmarks/results.md``, and print the table.

    .venv/bin/python -m benchmarks.run                 # everything (installs the peers first)
    .venv/bin/python -m benchmarks.run --only lstm_cell gru_cell
    .venv/bin/python -m benchmarks.run --skip book_build --merge
    .venv/bin/python -m benchmarks.run --quick --out-dir /tmp/b   # tiny inputs (smoke test)

The peers (NLTK, scikit-learn, KenLM's ``lmplz``) are installed by this runner itself outside the
pinned environment (see :mod:`benchmarks.peers`); a peer that cannot be installed turns its rows
into "peer unavailable: <reason>" and the run goes on. Everything runs with one BLAS/torch
thread. Each timing is a median of several runs after a warm-up, ours and the peer's
interleaved. Targets are written beside the numbers with pass/MISS; they are reported, never
tuned for.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import pathlib
import sys
import time
import traceback

# one thread for numpy's BLAS and torch, set before either is imported
# (book_build restores the caller's values for its `make book`-like subprocess: see ORIG_PREFIX)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault("LTR_BENCH_ORIG_" + _var, os.environ.get(_var, "<unset>"))
    os.environ[_var] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")  # the widget timings; book_build's build unsets it
# This machine sets OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) for older OpenBLAS builds that
# misbehave on its processors; they push the current numpy's OpenBLAS onto a slower kernel
# (the numpy LSTM ran at 2.3x torch with them, 1.6x without). The benchmark process unsets both,
# as the machine's notes advise for benchmarks (never in tests or CI), and records the kernel
# OpenBLAS then picks (``machine()["blas"]``).
for _var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    if _var in os.environ:
        os.environ["LTR_BENCH_ORIG_" + _var] = os.environ.pop(_var)

# numpy and torch are imported (through these) only after the settings above: hence E402
from benchmarks import peers  # noqa: E402
from benchmarks.common import machine, now, record, versions  # noqa: E402

BENCHMARKS = ("lstm_cell", "gru_cell", "ngram_kn", "sgns", "ppmi_svd", "rnnlm", "char_lm", "bpe",
              "book_build", "chapter_times", "widget_update", "page_weight")
HERE = pathlib.Path(__file__).resolve().parent


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        if v == 0 or 1e-3 <= abs(v) < 1e6:
            return f"{v:,.4g}" if abs(v) < 1000 else f"{v:,.0f}"
        return f"{v:.3g}"
    return str(v)


def _fmt_ratio(v) -> str:
    """Ratios near 1 (perplexities that should agree) with enough digits to see the gap."""
    if isinstance(v, float) and 0.99 <= v <= 1.01:
        return f"{v:.6f}"
    return _fmt(v)


def to_markdown(records: list[dict], header: dict) -> str:
    lines = ["# Benchmark results", "",
             f"Command: `{header['command']}`  ",
             f"Date: {header['date']} (run took {header['seconds']:.0f} s)  ",
             f"Machine: {header['machine'].get('cpu_model', header['machine']['processor'])}, "
             f"{header['machine']['cpu_count']} CPUs, {header['machine']['platform']}  ",
             f"Load average (1/5/15 min) at start {header['load_start']}, at end "
             f"{header['load_end']}  ",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in header["versions"].items()
                                      if v is not None) + "  ",
             "Threads: 1 (BLAS and torch) for every timed computation.", ""]
    if header.get("merged"):
        lines += ["Rows kept from earlier runs (`--merge`), with their own date and load: "
                  + "; ".join(f"{b} ({d}, load {load})" for b, (d, load) in header["merged"].items()),
                  ""]
    if header.get("note"):
        lines += [f"**Note:** {header['note']}", ""]
    lines += ["Ratio = ours / peer (for times: below 1 means ours is faster; for words/s and "
              "tokens/s: above 1 means ours is faster). Status: `pass` / `MISS` against the "
              "target of the issue, `n/a` where a row has no target.", "",
              "| benchmark | ours | peer | metric | ours | peer | ratio | target | status |",
              "|---|---|---|---|---:|---:|---:|---|---|"]
    for r in records:
        lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in (
            r["benchmark"], r["ours"], r["peer"], r["metric"], _fmt(r["ours_value"]),
            _fmt(r["peer_value"]), _fmt_ratio(r["ratio"]), r.get("target") or "", r["status"])) + " |")
    notes = [(i, r) for i, r in enumerate(records, 1) if r.get("note")]
    if notes:
        lines += ["", "## Notes per row", ""]
        lines += [f"{i}. {r['benchmark']} / {r['metric']}: {r['note']}" for i, r in notes]
    missed = [r for r in records if r["status"].startswith("MISS")]
    lines += ["", "## Targets missed", ""]
    lines += ([f"- {r['benchmark']}: {r['ours']} — {r['metric']}: {_fmt(r['ours_value'])}"
               f" vs {_fmt(r['peer_value'])} (target {r['target']})"
               + (f" {r['status'][4:].strip()}" if r["status"] != "MISS" else "") for r in missed]
              or ["None."])
    return "\n".join(lines) + "\n"


README_START = "<!-- bench:start (written by make bench from benchmarks/results.json) -->"
README_END = "<!-- bench:end -->"


def readme_summary(records: list[dict]) -> str:
    """The README's "How fast" list: every row that has a target, as ``make bench`` recorded it
    (date and load included), so the README quotes nothing the records do not say."""
    rows = [r for r in records if r.get("target")]
    dates = sorted({r["date"][:10] for r in rows if r.get("date")})
    loads = sorted({tuple((r.get("machine") or {}).get("load_average_1_5_15") or ())
                    for r in rows} - {()})
    lines = [f"From the last `make bench` ({', '.join(dates) or 'no run yet'}; load averages "
             f"{', '.join(str(list(x)) for x in loads) or 'unknown'}); the full table, with "
             "every row's note, is [`benchmarks/results.md`](benchmarks/results.md).", ""]
    for r in rows:
        if r.get("peer_value") is None:  # a row measured against its target only
            lines.append(f"- **{r['status']}** {r['benchmark']}: {r['ours']}, {r['metric']}: "
                         f"{_fmt(r['ours_value'])} (target {r['target']})")
            continue
        lines.append(f"- **{r['status']}** {r['benchmark']}: {r['ours']} vs {r['peer']}, "
                     f"{r['metric']}: {_fmt(r['ours_value'])} vs {_fmt(r['peer_value'])} "
                     f"(ratio {_fmt_ratio(r['ratio'])}; target {r['target']})")
    return "\n".join(lines) + "\n"


def update_readme(records: list[dict], readme: pathlib.Path) -> None:
    """Replace the README's text between the bench markers with :func:`readme_summary`."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    readme.write_text(text[:start] + "\n" + readme_summary(records) + text[end:],
                      encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run just these benchmarks")
    ap.add_argument("--skip", nargs="+", choices=BENCHMARKS, default=[], help="leave these out")
    ap.add_argument("--quick", action="store_true", help="tiny inputs (the smoke test)")
    ap.add_argument("--no-install", action="store_true",
                    help="do not install peers; use whatever is already in benchmarks/.peers")
    ap.add_argument("--merge", action="store_true",
                    help="keep the existing results.json records of benchmarks not run now")
    ap.add_argument("--note", default="", help="a remark printed above the table "
                                               "(e.g. that the machine was shared)")
    ap.add_argument("--out-dir", default=str(HERE))
    a = ap.parse_args(argv)
    names = [n for n in (a.only or BENCHMARKS) if n not in a.skip]
    out_dir = pathlib.Path(a.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t_start, load_start = time.perf_counter(), [round(x, 2) for x in os.getloadavg()]

    shared: dict = {}
    if not a.no_install:
        print("installing peers (first run: pip for NLTK/scikit-learn, apt + cmake for lmplz) ...",
              flush=True)
        status = peers.install_all()
        for peer, reason in status.items():
            print(f"  {peer}: {'ready' if reason is None else 'unavailable: ' + reason}", flush=True)
        if status["lmplz"]:
            shared["lmplz_reason"] = status["lmplz"]
    elif peers.lmplz_path() is None:
        shared["lmplz_reason"] = "lmplz is not built (run without --no-install)"

    records: list[dict] = []
    for name in names:
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
            rows = mod.run(quick=a.quick, shared=shared)
        except Exception as e:  # noqa: BLE001 - one broken benchmark must not stop the others
            traceback.print_exc()
            rows = [record(name, "—", "—", "—", None, None, None,
                           status=f"error: {type(e).__name__}: {str(e)[:200]}")]
        for r in rows:
            print(f"   {r['metric']}: ours {_fmt(r['ours_value'])}, peer {_fmt(r['peer_value'])}"
                  f", ratio {_fmt(r['ratio'])} [{r['status']}]", flush=True)
        print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
        records += rows

    header = {"command": ".venv/bin/python -m benchmarks.run"
                         + ("" if argv is None and len(sys.argv) == 1 else
                            " " + " ".join(argv if argv is not None else sys.argv[1:])),
              "date": now(), "machine": machine(), "versions": versions(),
              "load_start": load_start, "load_end": [round(x, 2) for x in os.getloadavg()],
              "seconds": time.perf_counter() - t_start, "note": a.note}
    for r in records:
        r.update(machine=header["machine"], versions=header["versions"], date=header["date"],
                 command=header["command"], note_run=a.note)
    json_path = out_dir / "results.json"
    if a.merge and json_path.exists():
        old = [r for r in json.loads(json_path.read_text()) if r["benchmark"] not in names]
        header["merged"] = {r["benchmark"]: (r.get("date"), (r.get("machine") or {}).get(
            "load_average_1_5_15")) for r in old}
        order = {n: i for i, n in enumerate(BENCHMARKS)}
        records = sorted(old + records, key=lambda r: order.get(r["benchmark"], 99))
    json_path.write_text(json.dumps(records, indent=1, default=float) + "\n")
    md = to_markdown(records, header)
    (out_dir / "results.md").write_text(md)
    if out_dir.resolve() == HERE:  # the committed records: the README quotes them
        update_readme(records, HERE.parent / "README.md")
    print()
    print(md)
    print(f"wrote {json_path} and {out_dir / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
