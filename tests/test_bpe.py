"""Byte-pair encoding (chapter 8): merge steps by hand, learn == repeated merge_step, round trips,
agreement with Hugging Face tokenizers, bad inputs."""
import collections

import numpy as np
import pytest

from helpers import bpe

WORDS = ["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3   # Sennrich et al. 2016


def test_spell_and_merge_word_known_values():
    assert bpe.spell("the") == ("t", "h", "e</w>")
    assert bpe.merge_word(("a", "a", "a</w>"), ("a", "a")) == ("aa", "a</w>")
    assert bpe.merge_word(("a", "b", "a", "b</w>"), ("a", "b")) == ("ab", "a", "b</w>")
    assert bpe.merge_word(("x",), ("a", "b")) == ("x",)


def test_sennrich_example_first_merges():
    B = bpe.learn(WORDS, 4)
    # es (9 = 6 newest + 3 widest), est (9), est</w> ... counts fall or tie
    assert B.merges[0] == ("e", "s")
    assert B.merges[1] == ("es", "t</w>")
    assert B.counts[0] == 9 and B.counts[1] == 9
    assert list(B.counts) == sorted(B.counts, reverse=True)


@pytest.mark.parametrize("seed", range(5))
def test_learn_equals_repeated_merge_step(seed):
    rng = np.random.default_rng(seed)
    words = ["".join(rng.choice(list("abcd"), size=rng.integers(1, 7))) for _ in range(200)]
    B = bpe.learn(words, 30)
    seg = {bpe.spell(w): c for w, c in collections.Counter(words).items()}
    for k in range(len(B.merges)):
        pair, count, seg = bpe.merge_step(seg)
        assert pair == B.merges[k] and count == B.counts[k]
    # every training word encodes to its final segmentation
    for syms in seg:
        assert B.encode_word("".join(syms).replace(bpe.EOW, "")) == syms


@pytest.mark.parametrize("seed", range(3))
def test_encode_decode_round_trip_and_unk(seed):
    rng = np.random.default_rng(seed)
    words = ["".join(rng.choice(list("abcdef"), size=rng.integers(1, 9))) for _ in range(300)]
    B = bpe.learn(words, 40)
    assert B.decode(B.encode(words)) == words
    assert bpe.UNK in B.encode_word("abz")
    assert 1.0 <= B.tokens_per_word(words) <= max(len(w) for w in words)




def test_agrees_with_hugging_face_tokenizers():
    """Same merges up to the first tie in pair counts (the two break ties differently), and the
    same tokens per word within 1 % on held-out words."""
    pytest.importorskip("tokenizers")
    from helpers.data import load_corpus

    C = load_corpus("kjv")
    train = [w for s in C.train[:6000] for w in s]
    test = [w for s in C.test[:2000] for w in s]
    n = 600
    B = bpe.learn(train, n)
    ref, tok = bpe.reference_merges(train, n)
    assert len(ref) == n
    seg = {bpe.spell(w): c for w, c in collections.Counter(train).items()}
    for k in range(n):
        counts = bpe.pair_counts(seg)
        top = max(counts.values())
        tied = [p for p, c in counts.items() if c == top]
        if len(tied) > 1:
            assert ref[k] in tied                      # HF chose another pair of the same count
            break
        assert B.merges[k] == ref[k]
        _, _, seg = bpe.merge_step(seg)
    else:
        pytest.fail("expected a tie within the merges")
    assert k > 20
    ours = B.tokens_per_word(test)
    theirs = sum(len(e.tokens) for e in tok.encode_batch(test, is_pretokenized=False)) / len(test)
    assert abs(ours - theirs) / theirs < 0.01


def test_check_merge_word_accepts_reference_and_rejects_wrong(capsys):
    assert bpe.check_merge_word(bpe.merge_word)
    assert "agree" in capsys.readouterr().out

    def wrong(symbols, pair):                         # merges only the first occurrence
        s = list(symbols)
        for i in range(len(s) - 1):
            if (s[i], s[i + 1]) == pair:
                return tuple(s[:i] + [s[i] + s[i + 1]] + s[i + 2:])
        return tuple(s)

    assert not bpe.check_merge_word(wrong)
    assert "expected" in capsys.readouterr().out


B0 = bpe.learn(WORDS, 3)

BAD = [
    (bpe.spell, ("",), ValueError, "word"),
    (bpe.spell, ("a b",), ValueError, "word"),
    (bpe.spell, (3,), TypeError, "word"),
    (bpe.spell, (None,), TypeError, "word"),
    (bpe.spell, (["ab"],), TypeError, "word"),
    (bpe.word_counts, ("low lower",), TypeError, "words"),
    (bpe.word_counts, (5,), TypeError, "words"),
    (bpe.word_counts, (["ok", ""],), ValueError, "words"),
    (bpe.word_counts, (["ok", 3],), TypeError, "words"),
    (bpe.word_counts, (["a\tb"],), ValueError, "words"),
    (bpe.merge_word, ("ab", ("a", "b")), TypeError, "symbols"),
    (bpe.merge_word, (("a", "b"), ("a",)), TypeError, "pair"),
    (bpe.merge_word, (("a", "b"), ["a", "b"]), TypeError, "pair"),
    (bpe.merge_word, (("a", ""), ("a", "b")), TypeError, "symbols"),
    (bpe.merge_word, (("a", "b"), ("a", 1)), TypeError, "pair"),
    (bpe.pair_counts, ([("a", "b")],), TypeError, "segmented"),
    (bpe.pair_counts, ({("a", "b"): 0},), ValueError, "segmented"),
    (bpe.pair_counts, ({("a", "b"): 1.5},), TypeError, "segmented"),
    (bpe.pair_counts, ({"ab": 1},), TypeError, "segmented"),
    (bpe.pair_counts, ({("a", 2): 1},), TypeError, "segmented"),
    (bpe.merge_step, ({("a", "b"): -1},), ValueError, "segmented"),
    (bpe.merge_step, (None,), TypeError, "segmented"),
    (bpe.merge_step, ("ab",), TypeError, "segmented"),
    (bpe.merge_step, ({("a",): True},), TypeError, "segmented"),
    (bpe.merge_step, ({(): 1, ("a", ""): 1},), TypeError, "segmented"),
    (bpe.learn, (WORDS, -1), ValueError, "n_merges"),
    (bpe.learn, (WORDS, 2.5), TypeError, "n_merges"),
    (bpe.learn, ([], 3), ValueError, "words"),
    (bpe.learn, ("low", 3), TypeError, "words"),
    (bpe.learn, ({"low": 0}, 3), ValueError, "words"),
    (bpe.learn, (["lo w"], 3), ValueError, "words"),
    (bpe.reference_merges, ([], 3), ValueError, "words"),
    (bpe.reference_merges, (WORDS, -2), ValueError, "n_merges"),
    (bpe.reference_merges, (WORDS, "3"), TypeError, "n_merges"),
    (bpe.reference_merges, ("low", 3), TypeError, "words"),
    (bpe.reference_merges, ([1, 2], 3), TypeError, "words"),
    (bpe.check_merge_word, (None,), TypeError, "fn"),
    (bpe.check_merge_word, ("merge",), TypeError, "fn"),
    (bpe.check_merge_word, (bpe.merge_word, 0), ValueError, "n_cases"),
    (bpe.check_merge_word, (bpe.merge_word, 1.5), TypeError, "n_cases"),
    (bpe.check_merge_word, (bpe.merge_word, 5, -1), ValueError, "seed"),
    (B0.encode_word, ("",), ValueError, "word"),
    (B0.encode_word, (1,), TypeError, "word"),
    (B0.encode_word, ("lo w",), ValueError, "word"),
    (B0.encode_word, (None,), TypeError, "word"),
    (B0.encode_word, (b"low",), TypeError, "word"),
    (B0.encode, ("low",), TypeError, "words"),
    (B0.encode, ([1],), TypeError, "words"),
    (B0.encode, ([""],), ValueError, "words"),
    (B0.encode, (None,), TypeError, "words"),
    (B0.encode, (["a b"],), ValueError, "words"),
    (B0.decode, ("low</w>",), TypeError, "symbols"),
    (B0.decode, ([1, 2],), TypeError, "symbols"),
    (B0.decode, (["lo"],), ValueError, "symbols"),
    (B0.decode, (None,), TypeError, "symbols"),
    (B0.decode, (["low</w>", "x"],), ValueError, "symbols"),
    (B0.tokens_per_word, ([],), ValueError, "words"),
    (B0.tokens_per_word, ("low",), TypeError, "words"),
    (B0.tokens_per_word, ([3],), TypeError, "words"),
    (B0.tokens_per_word, ([""],), ValueError, "words"),
    (B0.tokens_per_word, (None,), TypeError, "words"),
    (bpe.BPE, ((("a",),), ("a",)), TypeError, "merges"),
    (bpe.BPE, ((("a", 1),), ("a",)), TypeError, "merges"),
    (bpe.BPE, ((), "ab"), TypeError, "alphabet"),
    (bpe.BPE, ((), (1,)), TypeError, "alphabet"),
    (bpe.BPE, ((), None), TypeError, "alphabet"),
]


@pytest.mark.parametrize("fn,args,exc,match", BAD, ids=[f"{i}-{b[3]}" for i, b in enumerate(BAD)])
def test_bad_inputs(fn, args, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args)


# ---------------------------------------------------------------------------------------------
# The Shakespeare character corpus (helpers.data additions for chapter 8)
# ---------------------------------------------------------------------------------------------

def test_char_corpus_split_by_play_and_streams():
    from helpers import data

    plays = data.split_plays()
    assert len(plays["train"]) + len(plays["valid"]) + len(plays["test"]) == 38
    assert not set(plays["test"]) & set(plays["train"])
    C = data.load_char_corpus()
    assert all(len(t) == 1 for s in C.train[:200] for t in s)           # tokens are characters
    s = C.stream("test")
    assert (s == data.EOS_ID).sum() == len(C.test)                       # one end per line
    assert any(line[-1] == ":" and "".join(line[:-1]).isupper() for line in C.train[:50])
    no_speakers = data.shakespeare_plays(speakers=False)
    assert len(no_speakers) == 38 and all(not ln.endswith(":") or not ln[:-1].isupper()
                                          for _, lines in no_speakers[:2] for ln in lines[:200])


def _data():
    from helpers import data
    return data


BAD_DATA = [
    ("shakespeare_plays", (1,), TypeError, "speakers"),
    ("shakespeare_plays", ("yes",), TypeError, "speakers"),
    ("shakespeare_plays", (None,), TypeError, "speakers"),
    ("shakespeare_plays", (0.0,), TypeError, "speakers"),
    ("shakespeare_plays", ([True],), TypeError, "speakers"),
    ("load_char_corpus", ("yes",), TypeError, "speakers"),
    ("load_char_corpus", (True, 2), ValueError, "every"),
    ("load_char_corpus", (True, 2.5), TypeError, "every"),
    ("load_char_corpus", (True, 100), ValueError, "every"),
    ("load_char_corpus", (None,), TypeError, "speakers"),
    ("split_plays", (2,), ValueError, "every"),
    ("split_plays", ("10",), TypeError, "every"),
    ("split_plays", (100,), ValueError, "every"),
    ("split_plays", (None,), TypeError, "every"),
    ("split_plays", (-1,), ValueError, "every"),
]


@pytest.mark.parametrize("name,args,exc,match", BAD_DATA,
                         ids=[f"{i}-{b[0]}" for i, b in enumerate(BAD_DATA)])
def test_bad_inputs_char_corpus(name, args, exc, match):
    with pytest.raises(exc, match=match):
        getattr(_data(), name)(*args)
