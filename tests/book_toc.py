"""The files of `_toc.yml`, in order (shared by the repository and built-book tests); the one
reader lives in :mod:`benchmarks.common`."""
from benchmarks.common import toc_files

__all__ = ["toc_files"]
