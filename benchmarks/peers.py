"""Install the benchmark peers outside the pinned virtualenv (``make bench`` calls this itself).

* NLTK and scikit-learn (with the few pure-Python dependencies the pinned environment lacks) go
  into ``benchmarks/.peers/python`` with ``pip install --target --no-deps``, so they can never
  replace the environment's numpy/scipy; a benchmark that needs them calls :func:`python_peers`,
  which puts that folder at the *end* of ``sys.path``.
* KenLM's ``lmplz`` is compiled from the ``kenlm`` source distribution (the same version as the
  environment's ``kenlm`` Python module) with cmake into ``benchmarks/.peers/kenlm-build``, after
  ``apt-get install`` of Boost and the compression libraries.

Every step can fail (no network, no compiler, not root); the functions then return the reason as
a string instead of raising, and the benchmark row says "peer unavailable: <reason>".
"""
from __future__ import annotations

import glob
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile

HERE = pathlib.Path(__file__).resolve().parent
PEERS = HERE / ".peers"
PY_TARGET = PEERS / "python"
KENLM_BUILD = PEERS / "kenlm-build"
LOG = PEERS / "install.log"

# Peers' pins (checked against the package index on 2026-11-27). joblib, threadpoolctl, regex,
# cloudpickle (joblib's) and narwhals are NLTK's and scikit-learn's dependencies that the pinned environment does not have; numpy,
# scipy, click and tqdm come from the environment itself.
PY_PINS = ("nltk==3.10.4", "scikit-learn==1.9.1", "joblib==1.6.0", "threadpoolctl==3.8.0",
           "regex==2026.11.19", "cloudpickle==3.1.3", "narwhals==2.29.0")
KENLM_SDIST = "kenlm==0.3.0"
APT_PACKAGES = ("libboost-program-options-dev", "libboost-system-dev", "libboost-thread-dev",
                "libboost-test-dev", "zlib1g-dev", "libbz2-dev", "liblzma-dev")


def _run(cmd, cwd=None, timeout=1800) -> tuple[bool, str]:
    """Run ``cmd`` (list), append its output to the install log; (ok, last lines of output)."""
    PEERS.mkdir(parents=True, exist_ok=True)
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"{cmd[0]}: {e}"
    with open(LOG, "a") as f:
        f.write(f"$ {' '.join(map(str, cmd))}\n{p.stdout}\n{p.stderr}\n[exit {p.returncode}]\n")
    tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or [""]
    return p.returncode == 0, f"`{' '.join(map(str, cmd[:3]))} ...` exited {p.returncode}: {tail[0][:200]}"


def install_python_peers() -> str | None:
    """pip-install NLTK and scikit-learn into ``.peers/python``; None on success, else the reason."""
    stamp = PY_TARGET / ".installed"
    if stamp.exists() and stamp.read_text() == "\n".join(PY_PINS):
        return None
    ok, msg = _run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--no-deps", "--upgrade", "--target", str(PY_TARGET), *PY_PINS])
    if not ok:
        return "pip install failed: " + msg
    stamp.write_text("\n".join(PY_PINS))
    return None


def python_peers() -> None:
    """Make the peers in ``.peers/python`` importable (appended last: the environment wins)."""
    p = str(PY_TARGET)
    if PY_TARGET.is_dir() and p not in sys.path:
        sys.path.append(p)


def lmplz_path() -> pathlib.Path | None:
    """The built ``lmplz`` binary, or None."""
    p = KENLM_BUILD / "bin" / "lmplz"
    return p if p.exists() else None


def build_lmplz() -> str | None:
    """Build KenLM's ``lmplz`` from the kenlm sdist; None on success, else the reason."""
    if lmplz_path() is not None:
        return None
    if shutil.which("cmake") is None or shutil.which("c++") is None:
        return "no cmake or C++ compiler on PATH"
    missing = [p for p in APT_PACKAGES
               if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if missing:
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            return "Boost/zlib development packages missing and apt-get unavailable (not root)"
        ok, msg = _run(["apt-get", "update", "-qq"])
        if not ok:
            return "apt-get update failed: " + msg
        ok, msg = _run(["apt-get", "install", "-y", "-qq", *missing])
        if not ok:
            return "apt-get install failed: " + msg
    src = PEERS / "src"
    src.mkdir(parents=True, exist_ok=True)
    tgz = sorted(glob.glob(str(src / "kenlm-*.tar.gz")))
    if not tgz:
        # --no-binary kenlm (not :all:, which would compile cmake itself from source) and no
        # build isolation: pip only reads the sdist's metadata, nothing is built here.
        ok, msg = _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-build-isolation", "--no-binary", "kenlm", "--dest", str(src),
                        KENLM_SDIST])
        tgz = sorted(glob.glob(str(src / "kenlm-*.tar.gz")))
        if not ok or not tgz:
            return "could not fetch the kenlm source distribution: " + msg
    with tarfile.open(tgz[0]) as tf:
        tf.extractall(src, filter="data")
    tops = [d for d in src.iterdir() if d.is_dir() and (d / "CMakeLists.txt").exists()]
    if not tops:
        return "kenlm source distribution has no CMakeLists.txt"
    KENLM_BUILD.mkdir(parents=True, exist_ok=True)
    ok, msg = _run(["cmake", str(tops[0]), "-DCMAKE_BUILD_TYPE=Release", "-DKENLM_MAX_ORDER=6",
                    "-DCOMPILE_TESTS=OFF"], cwd=KENLM_BUILD)
    if not ok:
        return "cmake configure failed: " + msg
    jobs = str(max(1, min(2, os.cpu_count() or 1)))
    ok, msg = _run(["cmake", "--build", ".", "--target", "lmplz", "build_binary", "query",
                    "-j", jobs], cwd=KENLM_BUILD, timeout=3600)
    if not ok or lmplz_path() is None:
        return "compiling lmplz failed: " + msg
    return None


def install_all() -> dict[str, str | None]:
    """Install every peer; {peer: None (ready) or the reason it is unavailable}."""
    return {"python": install_python_peers(), "lmplz": build_lmplz()}


if __name__ == "__main__":
    print(install_all())
