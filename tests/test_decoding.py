"""Decoding (chapter 8): beam vs exhaustive search, samplers vs their truncated distributions,
adapters, measures, the reader checks, bad inputs."""
import numpy as np
import pytest
import torch
from scipy import stats

from helpers import decoding as dec
from helpers import lm, ngram


def test_filter_probs_known_values():
    p = np.array([0.5, 0.2, 0.2, 0.1])
    lp = np.log(p)
    assert np.allclose(dec.filter_probs(lp), p)
    assert np.allclose(dec.filter_probs(lp, top_k=1), [1, 0, 0, 0])
    assert np.allclose(dec.filter_probs(lp, top_k=2), [5 / 7, 2 / 7, 0, 0])   # tie: lower id
    assert np.allclose(dec.filter_probs(lp, top_p=0.5), [1, 0, 0, 0])
    assert np.allclose(dec.filter_probs(lp, top_p=0.6), [5 / 7, 2 / 7, 0, 0])
    assert np.allclose(dec.filter_probs(lp, top_p=0.85), [5 / 9, 2 / 9, 2 / 9, 0])
    assert np.allclose(dec.filter_probs(lp, top_p=1.0), p)
    q = dec.filter_probs(lp, temperature=0.5)
    assert np.allclose(q, p ** 2 / (p ** 2).sum())
    assert np.allclose(dec.filter_probs(np.array([0.0, -np.inf])), [1, 0])


@pytest.mark.parametrize("seed", range(12))
def test_beam_wide_enough_is_exact_and_width_one_is_greedy(seed):
    m = dec.random_table_model(vocab_size=3 + seed % 3, eos_id=0, seed=seed)
    L = 4 + seed % 2
    exact = dec.exhaustive_search(m, max_len=L)
    assert dec.beam_search(m, beam_width=m.vocab_size ** L, max_len=L) == exact
    assert dec.beam_search(m, beam_width=1, max_len=L) == dec.greedy(m, max_len=L)
    # a wider beam never finds a less probable sequence than greedy
    lp = [dec.sequence_log_prob(m, dec.beam_search(m, beam_width=B, max_len=L)) for B in (1, 50)]
    assert lp[1] >= lp[0] - 1e-12
    assert dec.sequence_log_prob(m, exact) >= lp[1] - 1e-12


def test_exhaustive_search_enumerates_by_hand():
    # V = 2, eos = 0: p(0) = 0.4 first, then 0.9 after a 1: "1 0" has 0.54 > 0.4
    def fn(prefix):
        return [0.4, 0.6] if not prefix else [0.9, 0.1]
    m = dec.TableModel(fn, 2, eos_id=0)
    assert dec.exhaustive_search(m, max_len=3) == [1, 0]
    assert dec.greedy(m, max_len=3) == [1, 0]
    assert dec.sequence_log_prob(m, [1, 0]) == pytest.approx(np.log(0.54))


@pytest.mark.parametrize("kw", [dict(temperature=1.0), dict(temperature=0.5),
                                dict(top_k=3), dict(top_p=0.7), dict(temperature=2.0, top_p=0.9)])
def test_sampler_draws_from_the_truncated_distribution(kw):
    """Chi-square goodness of fit of 4,000 first tokens against filter_probs (fixed seed)."""
    rng = np.random.default_rng(7)
    probs = rng.dirichlet(np.ones(6))
    m = dec.TableModel(lambda prefix: probs, 6, eos_id=None)
    want = dec.filter_probs(np.log(probs), **kw)
    draws = np.array([dec.sample(m, rng, max_len=1, **kw)[0] for _ in range(4000)])
    counts = np.bincount(draws, minlength=6)
    assert np.all(counts[want == 0] == 0)
    keep = want > 0
    if keep.sum() > 1:
        _, pval = stats.chisquare(counts[keep], 4000 * want[keep])
        assert pval > 1e-3


def test_ngram_adapter_matches_the_model():
    rng = np.random.default_rng(0)
    sents = [list(rng.choice(list("abcd"), size=rng.integers(1, 6))) for _ in range(200)]
    m = ngram.fit(sents, n=3, discount_fallback=True)
    A = dec.NGramModel(m)
    a = m.stoi["a"]
    assert np.allclose(np.exp(A.next_log_probs((a,))), m.distribution(["<s>", "a"]))
    for seq in (dec.greedy(A, max_len=10), dec.sample(A, rng, max_len=30)):
        if seq[-1] == m.eos_id:                  # a whole sentence: the model's own score
            words = [m.itos[i] for i in seq[:-1]]
            assert dec.sequence_log_prob(A, seq) == pytest.approx(m.log_probs([words]).sum())


def test_torch_adapter_matches_lm_evaluate_and_honours_device():
    torch.manual_seed(0)
    model = lm.LSTMLM(7, d_emb=5, d_hidden=6, n_layers=2)
    A = dec.TorchModel(model, eos_id=1, device="cpu")
    assert next(A.model.parameters()).device.type == "cpu" and A.device.type == "cpu"
    seq = [3, 4, 1]
    lp = dec.sequence_log_prob(A, seq)
    ref = lm.evaluate(model, np.array(seq), batch_size=1, return_logprobs=True)["logprobs"]
    assert lp == pytest.approx(float(ref.sum()), abs=1e-5)
    # the cached path (one step at a time) equals a fresh forward over the whole prefix
    A2 = dec.TorchModel(model, eos_id=1, device=torch.device("cpu"))
    assert np.allclose(A.next_log_probs((3, 4)), A2.next_log_probs((3, 4)))
    B = dec.TorchModel(model, eos_id=1, ban=(0, 2))
    assert np.all(np.isinf(B.next_log_probs(())[[0, 2]]))
    assert np.isclose(np.exp(B.next_log_probs(())).sum(), 1.0)


def test_measures_known_values():
    assert dec.distinct_n([[1, 2, 1, 2]], 2) == pytest.approx(2 / 3)
    assert dec.distinct_n([[1, 2, 3]], 1) == 1.0
    assert dec.distinct_n([[1]], 2) == 0.0
    assert dec.repetition([1, 2, 1, 2, 1, 2], 2) == pytest.approx(3 / 5)
    assert dec.repetition([1, 2, 3], 2) == 0.0
    tr = dec.ngram_set([[1, 2, 3, 4]], 2)
    assert dec.copy_rate([1, 2, 5], tr, 2) == pytest.approx(0.5)


def test_compare_methods_rows():
    m = dec.random_table_model(5, 0, seed=3)
    out = dec.compare_methods(m, [(1,), (2,)], [("greedy", None), ("beam", 3), ("top_p", 0.9)],
                              max_len=6, train_ngrams=dec.ngram_set([[1, 2, 3]], 2), n=2)
    assert set(out) == {("greedy", None), ("beam", 3), ("top_p", 0.9)}
    assert out[("beam", 3)]["log_prob"] >= out[("greedy", None)]["log_prob"] - 1e-12
    for row in out.values():
        assert 0 <= row["distinct_2"] <= 1 and 1 <= row["length"] <= 6 and 0 <= row["copy"] <= 1


def test_samples_explorer_shows_text_as_text():
    from helpers.widgets import TextFrame

    samples = {"greedy": (["the the the", "and <b>"], "log P -3, 2 words"),
               "top-p 0.9": (["a longer\nline"], "log P -9, 3 words")}
    ex = dec.samples_explorer(samples)
    assert [p["setting"] for p in ex.grid()] == ["greedy", "top-p 0.9"]
    for params in ex.grid():
        setting = params["setting"]
        texts, stats = samples[setting]
        frame = ex.render(**params)
        assert isinstance(frame, TextFrame)  # text, not a picture of text
        assert frame.title == f"{setting}: {stats}"  # the setting and its statistics
        assert frame.items == tuple(t.replace("\n", " / ") for t in texts)
        page = ex.frame_html(**params)  # what the page without a kernel shows
        assert "<img" not in page and f'aria-label="{setting}: {stats}"' in page
    assert "and &lt;b&gt;" in ex.frame_html(setting="greedy")  # escaped, shown as typed
    assert "a longer / line" in str(ex.figure(setting="top-p 0.9"))
    with pytest.raises(TypeError, match="png"):
        ex.png(setting="greedy")


def test_reader_checks(capsys):
    def top_p(probs, p):
        return dec.filter_probs(np.log(probs), top_p=p)

    assert dec.check_top_p(top_p)

    def wrong_top_p(probs, p):                                    # forgets to renormalise
        q = probs.copy()
        q[q < np.sort(q)[::-1][0]] = 0
        return q

    assert not dec.check_top_p(wrong_top_p)
    assert dec.check_beam_search(lambda m, B, L: dec.beam_search(m, beam_width=B, max_len=L))
    assert not dec.check_beam_search(lambda m, B, L: dec.greedy(m, max_len=L))
    out = capsys.readouterr().out
    assert "agree" in out and "expected" in out


M = dec.random_table_model(4, 0, seed=1)
NG = dec.NGramModel(ngram.fit([["a", "b"], ["b", "a", "a"]] * 5, n=2, discount_fallback=True))
TM = dec.TorchModel(lm.LSTMLM(5, 3, 3, 1))
LP = np.log([0.5, 0.3, 0.2])
RNG = np.random.default_rng(0)

BAD = [
    (dec.filter_probs, (LP, 0.0), {}, ValueError, "temperature"),
    (dec.filter_probs, (LP, -1.0), {}, ValueError, "temperature"),
    (dec.filter_probs, (LP, float("nan")), {}, ValueError, "temperature"),
    (dec.filter_probs, (LP,), {"top_k": 0}, ValueError, "top_k"),
    (dec.filter_probs, (LP,), {"top_k": 4}, ValueError, "top_k"),
    (dec.filter_probs, (LP,), {"top_k": 1.5}, TypeError, "top_k"),
    (dec.filter_probs, (LP,), {"top_p": 0.0}, ValueError, "top_p"),
    (dec.filter_probs, (LP,), {"top_p": 1.5}, ValueError, "top_p"),
    (dec.filter_probs, (LP,), {"top_p": "0.9"}, TypeError, "top_p"),
    (dec.filter_probs, ([np.nan, 0.0],), {}, ValueError, "log_probs"),
    (dec.filter_probs, ([-np.inf, -np.inf],), {}, ValueError, "log_probs"),
    (dec.filter_probs, ([[0.0]],), {}, ValueError, "log_probs"),
    (dec.filter_probs, ("abc",), {}, TypeError, "log_probs"),
    (dec.greedy, ("model",), {}, TypeError, "model"),
    (dec.greedy, (M, (9,)), {}, ValueError, "prompt"),
    (dec.greedy, (M, "ab"), {}, TypeError, "prompt"),
    (dec.greedy, (M, (), 0), {}, ValueError, "max_len"),
    (dec.greedy, (M, (), 2.0), {}, TypeError, "max_len"),
    (dec.beam_search, (M,), {"beam_width": 0}, ValueError, "beam_width"),
    (dec.beam_search, (M,), {"beam_width": 2.5}, TypeError, "beam_width"),
    (dec.beam_search, (M,), {"length_penalty": -1}, ValueError, "length_penalty"),
    (dec.beam_search, (M,), {"max_len": -3}, ValueError, "max_len"),
    (dec.beam_search, (M, (-1,)), {}, ValueError, "prompt"),
    (dec.beam_search, (None,), {}, TypeError, "model"),
    (dec.exhaustive_search, (M,), {"max_len": 20}, ValueError, "max_len"),
    (dec.exhaustive_search, (M,), {"max_len": 0}, ValueError, "max_len"),
    (dec.exhaustive_search, (object(),), {}, TypeError, "model"),
    (dec.exhaustive_search, (M, (1.5,)), {}, TypeError, "prompt"),
    (dec.exhaustive_search, (M, None), {}, TypeError, "prompt"),
    (dec.sample, (M, None), {}, TypeError, "rng"),
    (dec.sample, (M, 3), {}, TypeError, "rng"),
    (dec.sample, (M, RNG), {"temperature": 0}, ValueError, "temperature"),
    (dec.sample, (M, RNG), {"top_p": 2.0}, ValueError, "top_p"),
    (dec.sample, (M, RNG), {"max_len": 0}, ValueError, "max_len"),
    (dec.sample, (M, RNG), {"top_k": 9}, ValueError, "top_k"),
    (dec.decode, (M, "nucleus"), {}, ValueError, "method"),
    (dec.decode, (M, "top_p", 0.9), {}, ValueError, "rng"),
    (dec.decode, (M, "beam", 0), {}, ValueError, "beam_width"),
    (dec.decode, (M, "top_k", 0), {"rng": RNG}, ValueError, "top_k"),
    (dec.decode, (M, "temperature", -1.0), {"rng": RNG}, ValueError, "temperature"),
    (dec.sequence_log_prob, (M, [7]), {}, ValueError, "seq"),
    (dec.sequence_log_prob, (M, "ab"), {}, TypeError, "seq"),
    (dec.sequence_log_prob, (M, [1], [5]), {}, ValueError, "prompt"),
    (dec.sequence_log_prob, ("m", [1]), {}, TypeError, "model"),
    (dec.sequence_log_prob, (M, [1.5]), {}, TypeError, "seq"),
    (dec.distinct_n, ([[1, 2]], 0), {}, ValueError, "n"),
    (dec.distinct_n, ("abc",), {}, TypeError, "seqs"),
    (dec.distinct_n, ([1, 2],), {}, TypeError, "seqs"),
    (dec.distinct_n, ([[1]], 1.5), {}, TypeError, "n"),
    (dec.distinct_n, (None,), {}, TypeError, "seqs"),
    (dec.repetition, ([1, 2], 0), {}, ValueError, "n"),
    (dec.repetition, (5,), {}, TypeError, "seq"),
    (dec.repetition, ("ab",), {}, TypeError, "seq"),
    (dec.repetition, ([1, 2], "2"), {}, TypeError, "n"),
    (dec.repetition, (None,), {}, TypeError, "seq"),
    (dec.ngram_set, ([[1]], 0), {}, ValueError, "n"),
    (dec.ngram_set, ("ab",), {}, TypeError, "seqs"),
    (dec.ngram_set, ([3],), {}, TypeError, "seqs"),
    (dec.ngram_set, ([[1]], None), {}, TypeError, "n"),
    (dec.ngram_set, (7,), {}, TypeError, "seqs"),
    (dec.copy_rate, ([1, 2], [(1, 2)]), {}, TypeError, "train_ngrams"),
    (dec.copy_rate, ([1, 2], set(), 0), {}, ValueError, "n"),
    (dec.copy_rate, (3, set()), {}, TypeError, "seq"),
    (dec.copy_rate, ([1, 2], None), {}, TypeError, "train_ngrams"),
    (dec.copy_rate, ([1, 2], set(), 2.5), {}, TypeError, "n"),
    (dec.TableModel, (None, 3), {}, TypeError, "fn"),
    (dec.TableModel, (lambda p: [1, 1], 0), {}, ValueError, "vocab_size"),
    (dec.TableModel, (lambda p: [1, 1], 2, 2), {}, ValueError, "eos_id"),
    (dec.TableModel, (lambda p: [1, 1], 2.0), {}, TypeError, "vocab_size"),
    (dec.TableModel, (lambda p: [1, 1], 2, "0"), {}, TypeError, "eos_id"),
    (dec.TableModel(lambda p: [1, -1], 2).next_log_probs, ((),), {}, ValueError, "fn"),
    (dec.NGramModel, ("lm",), {}, TypeError, "model"),
    (dec.NGramModel, (None,), {}, TypeError, "model"),
    (dec.NGramModel, (M,), {}, TypeError, "model"),
    (dec.NGramModel, (3,), {}, TypeError, "model"),
    (dec.NGramModel, ([],), {}, TypeError, "model"),
    (dec.TorchModel, ("m",), {}, TypeError, "model"),
    (dec.TorchModel, (torch.nn.Linear(2, 2),), {}, TypeError, "model"),
    (dec.TorchModel, (lm.LSTMLM(5, 3, 3, 1),), {"device": 0}, TypeError, "device"),
    (dec.TorchModel, (lm.LSTMLM(5, 3, 3, 1),), {"eos_id": 5}, ValueError, "eos_id"),
    (dec.TorchModel, (lm.LSTMLM(5, 3, 3, 1),), {"start": ()}, ValueError, "start"),
    (dec.TorchModel, (lm.LSTMLM(5, 3, 3, 1),), {"ban": (9,)}, ValueError, "ban"),
    (dec.random_table_model, (1,), {}, ValueError, "vocab_size"),
    (dec.random_table_model, (3, 3), {}, ValueError, "eos_id"),
    (dec.random_table_model, (3, 0, -1), {}, ValueError, "seed"),
    (dec.random_table_model, (3, 0, 0, 0.0), {}, ValueError, "concentration"),
    (dec.random_table_model, (3.0,), {}, TypeError, "vocab_size"),
    (dec.compare_methods, (M, [], [("greedy", None)]), {}, TypeError, "prompts"),
    (dec.compare_methods, (M, [(1,)], []), {}, TypeError, "settings"),
    (dec.compare_methods, (M, [(1,)], ["greedy"]), {}, TypeError, "settings"),
    (dec.compare_methods, (M, [(9,)], [("greedy", None)]), {}, ValueError, "prompts"),
    (dec.compare_methods, (M, [(1,)], [("greedy", None)]), {"max_len": 0}, ValueError, "max_len"),
    (dec.samples_explorer, ({},), {}, TypeError, "samples"),
    (dec.samples_explorer, ({"a": ["x"]},), {}, TypeError, "samples"),
    (dec.samples_explorer, ({1: (["x"], "s")},), {}, TypeError, "samples"),
    (dec.samples_explorer, ({"a": (["x"], 3)},), {}, TypeError, "samples"),
    (dec.samples_explorer, (None,), {}, TypeError, "samples"),
    (dec.check_top_p, (None,), {}, TypeError, "fn"),
    (dec.check_top_p, (len, 0), {}, ValueError, "n_cases"),
    (dec.check_top_p, (len, 3, -1), {}, ValueError, "seed"),
    (dec.check_top_p, ("f",), {}, TypeError, "fn"),
    (dec.check_top_p, (len, 2.5), {}, TypeError, "n_cases"),
    (dec.check_beam_search, (None,), {}, TypeError, "fn"),
    (dec.check_beam_search, (len, 0), {}, ValueError, "n_cases"),
    (dec.check_beam_search, (len, 3, -2), {}, ValueError, "seed"),
    (dec.check_beam_search, (3,), {}, TypeError, "fn"),
    (dec.check_beam_search, (len, "3"), {}, TypeError, "n_cases"),
    (M.next_log_probs, ((7,),), {}, ValueError, "prefix"),
    (M.next_log_probs, ("ab",), {}, TypeError, "prefix"),
    (M.next_log_probs, ((1.5,),), {}, TypeError, "prefix"),
    (M.next_log_probs, ((-1,),), {}, ValueError, "prefix"),
    (M.next_log_probs, (None,), {}, TypeError, "prefix"),
    (NG.next_log_probs, ((99,),), {}, ValueError, "prefix"),
    (NG.next_log_probs, ("ab",), {}, TypeError, "prefix"),
    (NG.next_log_probs, ((0.5,),), {}, TypeError, "prefix"),
    (NG.next_log_probs, ((-2,),), {}, ValueError, "prefix"),
    (NG.next_log_probs, (3,), {}, TypeError, "prefix"),
    (TM.next_log_probs, ((5,),), {}, ValueError, "prefix"),
    (TM.next_log_probs, ("ab",), {}, TypeError, "prefix"),
    (TM.next_log_probs, ((1.5,),), {}, TypeError, "prefix"),
    (TM.next_log_probs, ((-1,),), {}, ValueError, "prefix"),
    (TM.next_log_probs, (None,), {}, TypeError, "prefix"),
]


@pytest.mark.parametrize("fn,args,kw,exc,match", BAD,
                         ids=[f"{i}-{b[4]}" for i, b in enumerate(BAD)])
def test_bad_inputs(fn, args, kw, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args, **kw)
