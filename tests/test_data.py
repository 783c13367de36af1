"""Shared corpora and vocabulary (chapters 5-7)."""
import numpy as np
import pytest

from helpers import data


def test_tokenize():
    assert data.tokenize("And God said, Let there be light: and there was light.") == [
        "and", "god", "said", "let", "there", "be", "light", "and", "there", "was", "light"]
    assert data.tokenize("Thou told'st me: 'tis 1611!") == ["thou", "told'st", "me", "tis", "1611"]


def test_vocab_ids_and_unk():
    v = data.Vocab.build([["b", "a", "b"], ["c", "b", "a"], ["d"]], min_count=2)
    assert v.itos[:3] == ("<unk>", "</s>", "<s>")
    assert v.itos[3:] == ("b", "a")            # by falling count
    assert v.counts == (2, 3, 0, 3, 2)           # c and d are absorbed by <unk>; 3 sentences
    np.testing.assert_array_equal(v.encode(["a", "zzz", "b"]), [4, 0, 3])
    assert v.decode([3, 4, 1]) == ["b", "a", "</s>"]
    assert len(data.Vocab.build([["a", "b", "c"]], max_size=4)) == 4


def test_splits_are_fixed_and_disjoint():
    docs = [[f"doc {k}"] for k in range(25)]
    s = data.split_documents(docs)
    assert [d[0] for d in s["valid"]] == ["doc 8", "doc 18"]
    assert [d[0] for d in s["test"]] == ["doc 9", "doc 19"]
    assert len(s["train"]) == 21


@pytest.fixture(scope="module")
def kjv():
    return data.load_corpus("kjv")


def test_kjv_sizes_and_stream(kjv):
    # 31,102 verses; ~790k whitespace tokens in all (DATA.md), fewer words once punctuation goes
    n = sum(kjv.n_tokens(k) for k in ("train", "valid", "test"))
    assert 780_000 < n < 800_000
    assert kjv.train[0] == data.tokenize("In the beginning God created the heaven and the earth.")
    stream = kjv.stream("valid")
    assert stream.shape == (kjv.n_tokens("valid") + len(kjv.valid),)
    assert (stream == kjv.vocab.eos_id).sum() == len(kjv.valid)
    assert kjv.oov_rate("train") == 0.0 and 0 < kjv.oov_rate("test") < 0.02


@pytest.mark.parametrize("name", ["wiki", "shakespeare"])
def test_other_corpora_load(name):
    c = data.load_corpus(name, min_count=2)
    assert c.n_tokens("train") > 300_000 and c.n_tokens("test") > 30_000
    assert c.vocab.counts[0] > 0  # words seen once map to <unk>


BAD = [
    (lambda: data.tokenize(3), TypeError, "text must be a str"),
    (lambda: data.documents("ptb"), ValueError, "name must be one of"),
    (lambda: data.split_documents([1, 2, 3], every=2), ValueError, "every must be"),
    (lambda: data.Vocab.build([]), ValueError, "empty"),
    (lambda: data.Vocab.build(["a sentence"]), ValueError, "tokenize"),
    (lambda: data.Vocab.build([["a"]], min_count=0), ValueError, "min_count"),
    (lambda: data.Vocab.build([["a"]], max_size=2), ValueError, "max_size"),
    (lambda: data.Vocab.build([["a"]]).decode([7]), ValueError, "ids must lie"),
    (lambda: data.package_dir("no_such_package_xyz"), ModuleNotFoundError, "not installed"),
]


@pytest.mark.parametrize("call,exc,match", BAD, ids=[str(k) for k in range(len(BAD))])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
