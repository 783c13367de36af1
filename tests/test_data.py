"""Shared corpora and vocabulary (chapters 5-7)."""
import re

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


def test_special_tokens_are_the_first_ids():
    assert data.SPECIALS == (data.UNK, data.EOS, data.BOS) == ("<unk>", "</s>", "<s>")
    assert (data.UNK_ID, data.EOS_ID, data.BOS_ID) == (0, 1, 2)
    v = data.Vocab.build([["a", "b"], ["b"]])
    for token, i in zip(data.SPECIALS, (data.UNK_ID, data.EOS_ID, data.BOS_ID)):
        assert v.itos[i] == token and v.stoi[token] == i
    assert (v.unk_id, v.eos_id, v.bos_id) == (data.UNK_ID, data.EOS_ID, data.BOS_ID)
    # specials in the training text are not counted as words
    assert data.Vocab.build([["<unk>", "a", "</s>"]]).itos == (*data.SPECIALS, "a")


@pytest.mark.parametrize("module", ["ngram", "lm"])
def test_other_modules_use_the_same_special_tokens(module):
    """ngram and lm import the specials from here; any they define must equal these."""
    import importlib

    mod = importlib.import_module(f"helpers.{module}")
    for name in ("UNK", "EOS", "BOS", "SPECIALS", "UNK_ID", "EOS_ID", "BOS_ID"):
        if hasattr(mod, name):
            assert getattr(mod, name) == getattr(data, name), f"helpers.{module}.{name}"


def test_decode_takes_arrays_and_iterators():
    v = data.Vocab.build([["a", "b", "b"]])
    assert v.decode(np.array([3, 4])) == v.decode(iter([3, 4])) == ["b", "a"]
    assert v.decode([]) == []
    assert v.id("zzz") == data.UNK_ID


def test_min_count_and_max_size_checked_before_reading_the_corpus(monkeypatch):
    monkeypatch.setattr(data, "documents", lambda name: pytest.fail("corpus was read"))
    with pytest.raises(ValueError, match="^min_count"):
        data.load_corpus("kjv", min_count=0)


VOCAB = data.Vocab.build([["a", "b", "b"], ["c"]])
CORPUS = data.Corpus("toy", [["a", "b"]], [["b"]], [["c"]], VOCAB)

# (call, exception, the argument the message must name)
BAD = [
    (lambda: data.tokenize(3), TypeError, "text"),
    (lambda: data.tokenize(None), TypeError, "text"),
    (lambda: data.tokenize(b"bytes"), TypeError, "text"),
    (lambda: data.tokenize(["a list"]), TypeError, "text"),
    (lambda: data.tokenize(1.5), TypeError, "text"),
    (lambda: data.package_dir("no_such_package_xyz"), ModuleNotFoundError, "package"),
    (lambda: data.package_dir("no_such_package_xyz.sub"), ModuleNotFoundError, "package"),
    (lambda: data.package_dir(""), ValueError, "package"),
    (lambda: data.package_dir("a..b"), ValueError, "package"),
    (lambda: data.package_dir("json.decoder"), ValueError, "package"),  # a module, no folder
    (lambda: data.package_dir(3), TypeError, "package"),
    (lambda: data.documents("ptb"), ValueError, "name"),
    (lambda: data.documents("KJV"), ValueError, "name"),
    (lambda: data.documents(""), ValueError, "name"),
    (lambda: data.documents(None), ValueError, "name"),
    (lambda: data.documents(["kjv"]), ValueError, "name"),
    (lambda: data.split_documents([1, 2, 3], every=2), ValueError, "every"),
    (lambda: data.split_documents([1, 2, 3], every=10), ValueError, "every"),
    (lambda: data.split_documents([1] * 20, every=3.0), TypeError, "every"),
    (lambda: data.split_documents("abcdefghijk"), TypeError, "docs"),
    (lambda: data.split_documents(None), TypeError, "docs"),
    (lambda: data.split_documents(iter([[1]] * 20)), TypeError, "docs"),
    (lambda: data.Vocab.build([]), ValueError, "sentences"),
    (lambda: data.Vocab.build([["<s>", "</s>"]]), ValueError, "sentences"),
    (lambda: data.Vocab.build(["a sentence"]), TypeError, "sentences"),
    (lambda: data.Vocab.build("a sentence"), TypeError, "sentences"),
    (lambda: data.Vocab.build([[3, 4]]), TypeError, "sentences"),
    (lambda: data.Vocab.build([["a", None]]), TypeError, "sentences"),
    (lambda: data.Vocab.build([{"a"}]), TypeError, "sentences"),
    (lambda: data.Vocab.build(None), TypeError, "sentences"),
    (lambda: data.Vocab.build([["a"]], min_count=0), ValueError, "min_count"),
    (lambda: data.Vocab.build([["a"]], min_count=2), ValueError, "min_count"),
    (lambda: data.Vocab.build([["a"]], min_count=1.5), TypeError, "min_count"),
    (lambda: data.Vocab.build([["a"]], max_size=2), ValueError, "max_size"),
    (lambda: data.Vocab.build([["a"]], max_size=10.0), TypeError, "max_size"),
    (lambda: data.Vocab(("a", "b"), (1, 1)), ValueError, "itos"),
    (lambda: data.Vocab((*data.SPECIALS, "a", "a"), (0, 0, 0, 1, 1)), ValueError, "itos"),
    (lambda: data.Vocab((*data.SPECIALS, 7), (0, 0, 0, 1)), TypeError, "itos"),
    (lambda: data.Vocab("<unk></s><s>", (0,)), TypeError, "itos"),
    (lambda: data.Vocab((*data.SPECIALS, "a"), (0, 0, 0)), ValueError, "counts"),
    (lambda: data.Vocab((*data.SPECIALS, "a"), (0, 0, 0, -1)), ValueError, "counts"),
    (lambda: data.Vocab((*data.SPECIALS, "a"), (0, 0, 0, 1.5)), ValueError, "counts"),
    (lambda: VOCAB.id(3), TypeError, "word"),
    (lambda: VOCAB.id(None), TypeError, "word"),
    (lambda: VOCAB.id(["a"]), TypeError, "word"),
    (lambda: VOCAB.id(b"a"), TypeError, "word"),
    (lambda: VOCAB.id(np.int64(3)), TypeError, "word"),
    (lambda: VOCAB.encode("a b"), TypeError, "tokens"),
    (lambda: VOCAB.encode([3, 4]), TypeError, "tokens"),
    (lambda: VOCAB.encode(np.array([3, 4])), TypeError, "tokens"),
    (lambda: VOCAB.encode(None), TypeError, "tokens"),
    (lambda: VOCAB.encode(["a", None]), TypeError, "tokens"),
    (lambda: VOCAB.decode([7]), ValueError, "ids"),
    (lambda: VOCAB.decode([-1]), ValueError, "ids"),
    (lambda: VOCAB.decode([1.5]), ValueError, "ids"),
    (lambda: VOCAB.decode(["a"]), TypeError, "ids"),
    (lambda: VOCAB.decode([[1, 2]]), ValueError, "ids"),
    (lambda: VOCAB.decode([True, False]), TypeError, "ids"),
    (lambda: VOCAB.decode(None), TypeError, "ids"),
    (lambda: data.Corpus(3, [], [], [], VOCAB), TypeError, "name"),
    (lambda: data.Corpus("toy", "abc", [], [], VOCAB), TypeError, "train"),
    (lambda: data.Corpus("toy", ["a b"], [], [], VOCAB), TypeError, "train"),
    (lambda: data.Corpus("toy", [], None, [], VOCAB), TypeError, "valid"),
    (lambda: data.Corpus("toy", [], [], ("a",), VOCAB), TypeError, "test"),
    (lambda: data.Corpus("toy", [], [], [], {"a": 0}), TypeError, "vocab"),
] + [
    (lambda method=method, which=which: getattr(CORPUS, method)(which), ValueError, "which")
    for method in ("split", "n_tokens", "stream", "oov_rate")
    for which in ("training", "", None, 0, ["train"], "TEST")
] + [
    (lambda: data.load_corpus("ptb"), ValueError, "name"),
    (lambda: data.load_corpus(None), ValueError, "name"),
    (lambda: data.load_corpus("kjv", min_count=0), ValueError, "min_count"),
    (lambda: data.load_corpus("kjv", min_count="2"), TypeError, "min_count"),
    (lambda: data.load_corpus("kjv", max_size=3), ValueError, "max_size"),
    (lambda: data.load_corpus("kjv", max_size=1e4), TypeError, "max_size"),
]


@pytest.mark.parametrize("call,exc,name", BAD, ids=[f"{b[2]}-{k}" for k, b in enumerate(BAD)])
def test_bad_input(call, exc, name):
    with pytest.raises(exc, match=rf"^{re.escape(name)}(?!\w)") as info:
        call()
    assert "got" in str(info.value) or exc is ModuleNotFoundError


def test_corpus_methods_work_on_the_toy_corpus():
    assert CORPUS.split("train") == [["a", "b"]] and CORPUS.n_tokens("test") == 1
    np.testing.assert_array_equal(CORPUS.stream("valid"), [VOCAB.id("b"), data.EOS_ID])
    assert CORPUS.oov_rate("train") == 0.0
