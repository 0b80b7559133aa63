"""The notebooks' pictures: every notebook shows one, from a file its renderer can reach,
and each file is a self-contained SVG that the generator (harness/learner/pictures) still
draws byte for byte. Why relative paths and files beside the notebooks: the module's
docstring, with the evidence.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness import manifest
from harness.learner import pictures
from harness.learner.pictures import counter, election, sessions

ROOT = manifest.REPO
NOTEBOOKS = sorted((ROOT / "labs").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
SVGS = [folder / name for folder in pictures.folders() for name in pictures.PICTURES]
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"
                   r"|<img\b[^>]*\bsrc=[\"']([^\"']+)[\"']", re.IGNORECASE)
SVG_NS = "{http://www.w3.org/2000/svg}"


def picture_refs(path: Path) -> list[str]:
    """The images a notebook's markdown cells show: ``![alt](src)`` or ``<img src=...>``."""
    import json
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return [a or b for a, b in IMAGE.findall(text)]


def ids(paths):
    return [f"{p.parent.name}/{p.name}" for p in paths]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_notebook_shows_a_picture(path):
    assert picture_refs(path), (f"{path.parent.name}/{path.name} shows no picture: add one to "
                                "harness/learner/pictures and a markdown image of it")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_picture_is_where_the_notebooks_renderer_looks(path):
    """JupyterLab and GitHub resolve a relative path from the notebook's folder; JupyterLab
    serves nothing above its root (labs/ for learners), so the file must lie inside that
    folder. A cell attachment or a URL would not do (see the module's docstring)."""
    for src in picture_refs(path):
        assert not re.match(r"^([a-z][a-z0-9+.-]*:|/)", src, re.IGNORECASE), \
            f"{path.name}: {src!r} is not a path relative to the notebook"
        target = (path.parent / src).resolve()
        assert target.is_relative_to(path.parent.resolve()), \
            f"{path.name}: {src!r} leaves {path.parent.name}/, which JupyterLab may not serve"
        assert target.is_file(), f"{path.parent.name}/{path.name} shows {src!r}: no such file " \
                                 "(run `python -m harness starters`)"


def test_the_pictures_are_what_the_generator_draws():
    stale = pictures.write(check=True)
    assert not stale, f"out of date with harness/learner/pictures: {stale}; run " \
                      "`python -m harness starters`"


def test_write_makes_the_files_and_removes_a_picture_nobody_draws(tmp_path):
    (tmp_path / "old.svg").write_text("<svg/>")
    assert len(pictures.write(where=[tmp_path])) == len(pictures.PICTURES) + 1
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == sorted(pictures.PICTURES)
    assert pictures.write(where=[tmp_path], check=True) == []


@pytest.mark.parametrize("path", SVGS, ids=ids(SVGS))
def test_each_picture_is_a_self_contained_svg(path):
    """Well-formed, scaled by its viewBox, titled for screen readers, and nothing that runs
    or loads from elsewhere (GitHub's sanitizer and <img> would drop it anyway)."""
    text = path.read_text()
    root = ET.fromstring(text.encode())
    assert root.tag == SVG_NS + "svg"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", "")), "no viewBox"
    title = root.find(SVG_NS + "title")
    assert title is not None and (title.text or "").strip(), "no <title>"
    for el in root.iter():
        name = el.tag.removeprefix(SVG_NS)
        assert name not in ("script", "foreignObject", "image", "iframe", "use", "style"), name
        for attr, value in el.attrib.items():
            assert not attr.lower().startswith("on"), f"<{name} {attr}>"
            if attr.endswith("href"):
                assert value.startswith("#"), f"<{name} {attr}={value!r}>"
            for ref in re.findall(r"url\(([^)]*)\)", value):
                assert ref.startswith("#") and root.find(f".//*[@id='{ref[1:]}']") is not None, \
                    f"<{name} {attr}={value!r}>: not a marker of this file"
    assert not re.search(r"https?:|//", text.replace('xmlns="http://www.w3.org/2000/svg"', "")), \
        "an external reference"


@pytest.mark.skipif(not shutil.which("git"), reason="no git here")
def test_the_pictures_are_plain_git_objects_not_lfs():
    """GitHub's notebook view fetches a relative image from raw.githubusercontent.com, which
    serves an LFS file as its pointer (the module's docstring)."""
    done = subprocess.run(["git", "check-attr", "filter", "--", *map(str, SVGS)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.skip(f"not a git checkout: {done.stderr.strip()}")
    assert "lfs" not in done.stdout, done.stdout


# --- drawn from data: the pictures follow their data, not typed-in answers -----------------

def test_the_recipe_leads_with_the_first_created_node_across_the_wrap():
    children = ["b-n_-2147483648", "a-n_2147483647", "c-n_-2147483647"]
    svg = election.recipe(children, gone=[])
    assert "a-n_2147483647 is first in creation order and leads" in svg
    assert svg.count("marker-end=") == len(children) - 1        # one watch per follower
    assert "b-n_-2147483648 watches a-n_2147483647." in svg


def test_the_recipe_skips_a_gone_node():
    svg = election.recipe(["x-n_0000000001", "y-n_0000000003"], gone=["z-n_0000000002"])
    assert "y-n_0000000003 watches x-n_0000000001." in svg
    assert "not number − 1" in svg


@pytest.mark.parametrize("n", [3, 5, 8])
def test_the_herd_wakes_n_minus_one_and_the_chain_one(n):
    svg = election.herd_and_chain(n)
    assert f">{n - 1} notifications<" in svg and ">1 notification<" in svg
    assert svg.count(">woken<") == n                 # n - 1 in the herd, 1 in the chain


def test_the_lab_map_draws_an_arc_per_import():
    labs = manifest.labs()
    svg = election.lab_map(labs)
    arcs = sum(len(lab.needs) for lab in labs)
    assert svg.count('marker-end="url(#head-2563eb)"') == arcs
    assert all(f"Lab {lab.number}<" in svg for lab in labs)


def test_the_wraparound_works_out_both_orders():
    svg = counter.wraparound(pictures.WRAP)
    assert "By the signed number: c, d, a, b" in svg
    assert "In creation order (serial numbers): a, b, c, d" in svg
    assert "= 2: a before c" in svg


def test_the_store_refuses_only_a_lower_token():
    old, new = pictures.FENCING["old"], pictures.FENCING["new"]
    svg = sessions.refused_write(old, new, pictures.FENCED_WRITES)
    assert ">REFUSED<" in svg and f">{old['token']} &lt; {new['token']}<" in svg
    swapped = [("new", "B", 5), ("old", "A", 7)]              # a later write, a larger token
    assert ">REFUSED<" not in sessions.refused_write(old, new, swapped)


@pytest.mark.parametrize("ends", [5.0, 7.2, 9.0])
def test_the_ephemeral_node_ends_where_its_session_ends(ends):
    svg = sessions.ephemeral_lifetime(dict(pictures.LIFETIME, session_ends=ends))
    bars = {}                          # the row's top -> where its last bar ends
    for rect in ET.fromstring(svg.encode()).iter(SVG_NS + "rect"):
        top, end = float(rect.get("y")), float(rect.get("x")) + float(rect.get("width"))
        bars[top] = max(bars.get(top, 0), end)
    session, node = bars[124], bars[224]           # rows 1 and 3: A's session, /exp/a
    assert session == pytest.approx(node, abs=0.1)
    assert node == pytest.approx(sessions._x(ends), abs=0.1)


def test_the_connection_states_use_lab_5s_words():
    svg = sessions.connection_states(pictures.STATES, pictures.MOVES)
    for words in ("CONNECTED", "SUSPENDED", "LOST", "nobody on your side knows",
                  "gone, with its watches", "on_revoked()", "at the back of the line"):
        assert words in svg, words
