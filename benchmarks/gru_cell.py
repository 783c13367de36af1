"""gru_cell: ``helpers.gru`` numpy forward + backward vs ``torch.nn.GRU`` on CPU.

Same sizes, threads and protocol as :mod:`benchmarks.lstm_cell` (whose ``run_cells`` this
uses): hidden 200, input 200, batch 20, length 35, float32 and float64, the PyTorch formulation
of the GRU (the one ``torch.nn.GRU`` computes). Chapter 4 reads the stored rows.
"""
from __future__ import annotations

from benchmarks.lstm_cell import run_cells


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    return run_cells("gru", quick)
