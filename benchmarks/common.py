"""Shared pieces of the benchmark suite: interleaved timing, records, machine and version info.

A benchmark module exposes ``run(quick: bool = False, shared: dict | None = None) -> list[dict]``
and returns records built by :func:`record`. ``quick`` means tiny inputs (the smoke test);
``shared`` lets one benchmark hand numbers to another in the same run (the n-gram perplexities
that ``rnnlm`` compares against).
"""
from __future__ import annotations

import datetime
import os
import pathlib
import platform
import statistics
import time
from typing import Callable

ROOT = pathlib.Path(__file__).resolve().parents[1]


def interleaved(fns: dict[str, Callable[[], object]], repeats: int = 7, warmup: int = 1,
                ) -> dict[str, list[float]]:
    """Wall seconds of ``repeats`` calls of every function in ``fns``, interleaved.

    Each function is called ``warmup`` times first (untimed). Then in every round each function
    runs once, the order rotating from round to round, so that a burst of background load hits
    all of them alike. Returns {name: [seconds per call]} of length ``repeats``."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    names = list(fns)
    for name in names:
        for _ in range(warmup):
            fns[name]()
    out = {n: [] for n in names}
    for r in range(repeats):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            t0 = time.perf_counter()
            fns[name]()
            out[name].append(time.perf_counter() - t0)
    return out


def median(xs) -> float:
    return float(statistics.median(xs))


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("pass" if ok else "MISS")


def record(benchmark: str, ours: str, peer: str, metric: str, ours_value, peer_value,
           ratio=None, target: str = "", status: str = "n/a", note: str = "", **extra) -> dict:
    """One row of the results table. ``ratio`` defaults to ours_value / peer_value.

    ``status``: ``"pass"``, ``"MISS"``, ``"n/a"`` (no target for this row) or
    ``"peer unavailable: <reason>"``."""
    if ratio is None and isinstance(ours_value, (int, float)) and isinstance(peer_value, (int, float)) \
            and peer_value not in (0, None):
        ratio = ours_value / peer_value
    rec = {"benchmark": benchmark, "ours": ours, "peer": peer, "metric": metric,
           "ours_value": ours_value, "peer_value": peer_value, "ratio": ratio,
           "target": target, "status": status, "note": note}
    rec.update(extra)
    return rec


def unavailable(benchmark: str, ours: str, peer: str, metric: str, reason: str, ours_value=None,
                target: str = "", note: str = "") -> dict:
    """A row whose peer could not be installed or run: the run goes on."""
    return record(benchmark, ours, peer, metric, ours_value, None, None, target,
                  f"peer unavailable: {reason}", note)


def machine() -> dict:
    import platform as pf

    info = {"platform": pf.platform(), "processor": pf.processor() or pf.machine(),
            "cpu_count": os.cpu_count(), "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["openblas_env_unset"] = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                                  if "LTR_BENCH_ORIG_" + v in os.environ]
    try:  # threadpoolctl is installed with the peers, in .peers/python
        from threadpoolctl import threadpool_info

        info["blas"] = [{k: d.get(k) for k in ("internal_api", "version", "architecture",
                                                "num_threads")} for d in threadpool_info()]
    except ImportError:
        info["blas"] = "threadpoolctl unavailable"
    return info


def versions() -> dict:
    """Versions of Python and of every library the suite touches (None: not importable)."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "torch", "gensim", "kenlm", "matplotlib", "jupyter-book",
                 "nltk", "scikit-learn"):
        try:
            out[dist] = md.version(dist)
        except md.PackageNotFoundError:
            out[dist] = None
    from benchmarks import peers

    for dist in ("nltk", "scikit-learn"):  # installed outside the environment, in .peers/python
        hits = sorted(peers.PY_TARGET.glob(f"{dist.replace('-', '_')}-*.dist-info"))
        if hits:
            out[dist] = hits[0].name.removesuffix(".dist-info").split("-", 1)[1]
    out["kenlm_lmplz"] = "built from the kenlm 0.3.0 sdist" if peers.lmplz_path() else None
    return out


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


ORIG_PREFIX = "LTR_BENCH_ORIG_"  # benchmarks.run keeps the caller's thread settings here


def toc_files(root: pathlib.Path | None = None) -> list[str]:
    """The root file, then every `file:` entry of `_toc.yml`, depth first."""
    import yaml

    toc = yaml.safe_load(((root or ROOT) / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc)
    return files


def build_env() -> dict[str, str]:
    """The environment ``make book`` executes notebooks with, the caller's thread settings
    restored (the runner pins BLAS to one thread for the other benchmarks; ``make book`` does
    not)."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env.update(LTR_STATIC_WIDGETS="1", PYTHONHASHSEED="0")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        orig = env.pop(ORIG_PREFIX + var, None)
        if orig == "<unset>":
            env.pop(var, None)
        elif orig is not None:
            env[var] = orig
    return env
