"""The docs say only what is true today: every file, make target and verb they name exists.

README.md is the front door: at most 150 lines and no dated figures (those live in
docs/performance.md, each with its command; history is what git is for).
"""
from __future__ import annotations

import re

import pytest

from harness import cli, manifest

ROOT = manifest.REPO
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "docs" / "labs").glob("*.md"))]
GENERATED = ("results/", "dist/", "~", "/tmp", "$", "<", "OUT", ".venv/")
PATHLIKE = re.compile(r"^[\w.-]+(/[\w.*<>-]+)+/?$|^[\w.-]+\.(py|md|ipynb|toml|yml|yaml|sh|txt|ini|cfg)$")


def named_paths(text: str) -> set[str]:
    found = set(re.findall(r"\]\((?!https?:|#|mailto:)([^)#\s]+)", text))
    found |= {t for t in re.findall(r"`([^`\s]+)`", text) if PATHLIKE.match(t)}
    return {p for p in found if not p.startswith(GENERATED) and "*" not in p and "<" not in p}


def exists(path: str, doc) -> bool:
    """A path from the root or the doc's folder; a bare notebook or check name from the
    folder that holds them."""
    for base in (ROOT, doc.parent, ROOT / "labs", ROOT / "solutions", ROOT / "checks"):
        candidate = (base / path.split("::")[0]).resolve()
        if candidate.exists():
            return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_every_file_a_doc_names_exists(doc):
    text = doc.read_text()
    missing = sorted(p for p in named_paths(text) if not exists(p, doc)
                     and not re.match(r"^[a-z]+\.[a-z_.]+$", p))     # a module's dotted name
    assert not missing, f"{doc.name} names files that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_every_make_target_and_verb_a_doc_names_exists(doc):
    text = doc.read_text()
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, re.M))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", text))
    assert named <= targets, f"{doc.name} names make targets that do not exist: {named - targets}"
    action = next(a for a in cli.parser()._actions if a.dest == "verb")
    verbs = set(re.findall(r"python -m harness ([a-z][\w-]*)", text)) - {"VERB"}
    assert verbs <= set(action.choices), f"{doc.name} names verbs that do not exist: " \
                                         f"{verbs - set(action.choices)}"
    assert not re.search(r"python -m harness\.[a-z]", text), \
        f"{doc.name} runs a module of the harness: use `python -m harness <verb>`"
    assert "python -c" not in text, f"{doc.name} shows a `python -c` incantation"


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 150, "README.md: at most 150 lines; the rest goes to docs/"
    dated = re.findall(r"20\d\d-[01]\d-[0-3]\d", text)
    assert not dated, f"README.md holds dated figures {dated}: docs/performance.md keeps today's"
    for needed in ("make lab", "make test", "docs/instructors.md", "docs/check-authors.md",
                   "docs/maintainers.md", "docs/performance.md"):
        assert needed in text, f"README.md does not say {needed}"
