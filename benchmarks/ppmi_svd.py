"""ppmi_svd: ``helpers.embeddings.svd_embeddings`` (randomised truncated SVD, Halko et al.) vs
scikit-learn's ``TruncatedSVD`` on the same PPMI matrix.

The matrix: chapter 5's corpus (wiki + shakespeare training splits, min_count 5), symmetric
co-occurrence counts in a window of 5 with word2vec's distance weights, PPMI with context
smoothing 0.75, in float32. Both sides ask for 100 components. Ours runs at its defaults
(2 power iterations, 10 extra columns); scikit-learn runs at its defaults (``algorithm=
"randomized"``, ``n_iter=5``, 10 extra columns) and, as a second row, with ``n_iter=2`` like ours.
Explained variance = sum of the squared singular values found / squared Frobenius norm of the
matrix (the share of ``||M||_F^2`` the rank-100 approximation keeps); the same formula on both
sides (scikit-learn's own ``explained_variance_ratio_`` centres the columns, ours does not).
"""
from __future__ import annotations

from benchmarks import peers
from benchmarks._embedding_corpus import corpus
from benchmarks.common import interleaved, median, record, unavailable

DIM = 100


def run(quick: bool = False, shared: dict | None = None) -> list[dict]:
    import numpy as np
    import scipy.sparse as sp

    from helpers import embeddings as E

    _, st = corpus(quick)
    dim = 10 if quick else DIM
    M = E.ppmi(E.cooccurrence(st, 5, dynamic=True), alpha=0.75).astype(np.float32)
    fro2 = float(sp.linalg.norm(M) ** 2)
    ours_name = "helpers.embeddings svd_embeddings (n_iter=2)"
    peers.python_peers()
    try:
        from sklearn.decomposition import TruncatedSVD
    except Exception as e:  # noqa: BLE001
        return [unavailable("ppmi_svd", ours_name, "scikit-learn TruncatedSVD", "seconds",
                            f"cannot import sklearn ({type(e).__name__}: {e})")]
    out = {}

    def ours():
        E.svd_embeddings(M, dim, eig=0.5, seed=0)
        # the same computation svd_embeddings does, for the singular values
        _, s, _ = E.randomized_svd(M, dim, np.random.default_rng(0), n_iter=2)
        out["ours"] = s

    def sk(n_iter):
        def f():
            t = TruncatedSVD(dim, algorithm="randomized", n_iter=n_iter, random_state=0)
            t.fit_transform(M)
            out[f"sk{n_iter}"] = t.singular_values_
        return f

    def ours_timed():
        E.svd_embeddings(M, dim, eig=0.5, seed=0)

    ours()
    t = interleaved({"ours": ours_timed, "sk5": sk(5), "sk2": sk(2)}, repeats=1 if quick else 5)
    info = f"PPMI matrix {M.shape[0]:,} x {M.shape[1]:,}, nnz {M.nnz:,}, float32, k = {dim}"
    rows = []
    for key, peer in (("sk5", "scikit-learn TruncatedSVD (defaults, n_iter=5)"),
                      ("sk2", "scikit-learn TruncatedSVD (n_iter=2)")):
        rows.append(record("ppmi_svd", ours_name, peer, "seconds", median(t["ours"]),
                           median(t[key]), note=info + f"; median of {len(t['ours'])} interleaved"))
        ev_o = float((out["ours"].astype(np.float64) ** 2).sum() / fro2)
        ev_p = float((out[key].astype(np.float64) ** 2).sum() / fro2)
        rows.append(record("ppmi_svd", ours_name, peer, "explained variance (share of ||M||_F^2)",
                           ev_o, ev_p, note=f"top singular value ours {out['ours'][0]:.2f}, "
                                            f"peer {out[key][0]:.2f}"))
    return rows
