"""Pictures in the notebooks: SVG drawn from data, one function per picture.

    svgdraw    the pen: the frame with <title> and <desc>, boxes, text, arrows with heads
    election   lab 4's recipe, lab 3's herd beside the chain, the start page's map of labs
    counter    lab 2's wrap-around counter and RFC 1982's serial-number order
    sessions   lab 1's ephemeral node, lab 5's connection states, lab 6's refused write

``python -m harness starters`` writes every picture (``write()``) into ``labs/pictures/``
and ``solutions/pictures/``, beside the notebooks that show them; ``--check`` (and
tests/unit/test_pictures.py) fails when a committed file differs from what this code
draws. Change a picture here, never the .svg.

How a notebook shows one: a markdown image with a path relative to the notebook,
``![what it shows](pictures/NAME.svg)``, and a copy of the file in each notebook folder.
Why, with the evidence (2026):

- JupyterLab resolves a relative ``src`` against the notebook's folder and fetches it from
  its file server (``handleUrls`` in packages/rendermime/src/renderers.ts), which serves
  only what lies under its root: ``labs/`` when learners run ``make lab``, hence a copy in
  ``labs/pictures/`` as well as ``solutions/pictures/``.
- Cell attachments are out: JupyterLab's ``AttachmentsResolver`` turns ``attachment:``
  into a data URL only for the bitmap types of ``imageRendererFactory`` (bmp, png, jpeg,
  gif, webp) and throws "Cannot render unknown image mime type" for image/svg+xml
  (packages/attachments/src/model.ts; jupyterlab/jupyterlab#10464: "SVG as a Markdown
  Attachment (does NOT work)").
- Inline ``<svg>`` in markdown is out: JupyterLab's sanitizer has no ``svg`` among its
  allowed tags (packages/apputils/src/sanitizer.ts; jupyterlab/jupyterlab#6010, open),
  and GitHub's sanitizer strips it from markdown (github/markup#1065).
- GitHub's notebook view resolves a relative image path against the notebook's folder on
  raw.githubusercontent.com: "Jupyter Lab files still render the images if they are
  inserted via relative links" (rasbt/LLMs-from-scratch#338, 2024); NVIDIA's
  accelerated-computing-hub moved its LFS bitmaps to absolute URLs but left "SVG
  references (not in LFS) ... as relative paths" (its PR #164, 2026; the LFS bug:
  brycelelbach/jupyter-github-relative-image-test). So the files are plain git objects
  (no LFS) and self-contained: GitHub shows SVG through ``<img>``, where scripts do not
  run (docs.github.com: "SVGs don't currently support inline scripting or animation")
  and a sanitizer removes what is not plain drawing (github/markup#556): so these use
  only rect, line, path, circle, text and one marker per arrow colour.
"""
from __future__ import annotations

from pathlib import Path

from harness import manifest
from harness.learner.pictures import counter, election, sessions
from harness.learner.pictures.svgdraw import AMBER, GREEN, RED

FOLDER = "pictures"             # beside the notebooks: labs/pictures, solutions/pictures

# The data each picture is drawn from: the workshop's own examples.
RECIPE = {"children": ["e2d4…-n_0000000003", "5b0c…-n_0000000000", "09ff…-n_0000000004",
                       "a71c…-n_0000000001"],          # as get_children returns them
          "gone": ["77aa…-n_0000000002"]}            # a candidate that resigned
WRAP = {"c": -2147483648, "a": 2147483646, "d": -2147483647, "b": 2147483647}   # lab 2's Exp. 3
LIFETIME = {"session": 0x1a2b, "new_session": 0x1a2c, "opened": 0.3, "created": 1.0,
            "killed": 3.4, "reconnected": 4.4, "session_ends": 7.2, "new_opened": 7.6}
STATES = [   # lab 5's words: its table ("The concept"), its rule, its candidate's promises
    {"name": "CONNECTED", "style": GREEN, "happened": "a server answers.", "session": "lives",
     "node": "there",
     "does": "may lead: only once connected, and only after looking at the election again: "
             "its node still first, and still its own."},
    {"name": "SUSPENDED", "style": AMBER,
     "happened": "the connection broke, or went silent for about two thirds of the session "
                 "timeout; kazoo is reconnecting.",
     "session": "nobody on your side knows", "node": "maybe there, maybe gone",
     "does": "stops leading at once: is_leader\u00a0=\u00a0False, then on_revoked(). The "
             "session may still live: it keeps its node, and waits."},
    {"name": "LOST", "style": RED,
     "happened": "a server told us, on reconnecting, that the session expired.",
     "session": "expired", "node": "gone, with its watches",
     "does": "takes part again with a new node (at the back of the line) once the client "
             "has a new session."}]
MOVES = [("CONNECTED", "SUSPENDED", "the connection broke or went silent", "over"),
         ("SUSPENDED", "LOST", "told: the session expired", "over"),
         ("SUSPENDED", "CONNECTED", "back in time: the same session", "under"),
         ("LOST", "CONNECTED", "kazoo opens a new session", "under")]
FENCING = {"old": {"node": "-n_0000000004", "token": 4294967338},
           "new": {"node": "-n_0000000005", "token": 4294967345}}
FENCED_WRITES = [("new", "B", 4294967345), ("old", "A", 4294967338)]   # as they arrive

PICTURES = {   # file name -> how to draw it
    "start_here_labs.svg": lambda: election.lab_map(manifest.labs()),
    "lab1_ephemeral_lifetime.svg": lambda: sessions.ephemeral_lifetime(LIFETIME),
    "lab2_wraparound.svg": lambda: counter.wraparound(WRAP),
    "lab3_herd_and_chain.svg": lambda: election.herd_and_chain(5),
    "lab4_recipe.svg": lambda: election.recipe(RECIPE["children"], RECIPE["gone"]),
    "lab5_connection_states.svg": lambda: sessions.connection_states(STATES, MOVES),
    "lab6_refused_write.svg": lambda: sessions.refused_write(
        FENCING["old"], FENCING["new"], FENCED_WRITES),
}


def folders() -> list[Path]:
    """Where the pictures go: beside the starters and beside the solved notebooks."""
    return [manifest.STARTERS / FOLDER, manifest.SOLUTIONS / FOLDER]


def render_all() -> dict[str, str]:
    """Every picture's SVG text, by file name."""
    return {name: draw() for name, draw in PICTURES.items()}


def write(check: bool = False, where: list[Path] | None = None) -> list[str]:
    """Write (or, with ``check``, compare) every picture in each folder; the paths that
    differed. A file no picture draws any more is reported (and, unless checking, removed)."""
    stale = []
    drawn = render_all()
    for folder in where or folders():
        for name, svg in drawn.items():
            path = folder / name
            if not path.exists() or path.read_text() != svg:
                stale.append(_shown(path))
                if not check:
                    folder.mkdir(parents=True, exist_ok=True)
                    path.write_text(svg)
        for extra in sorted(folder.glob("*.svg")) if folder.exists() else []:
            if extra.name not in drawn:
                stale.append(f"{_shown(extra)} (no picture draws it)")
                if not check:
                    extra.unlink()
    return stale


def _shown(path: Path) -> str:
    """A path as the command line reports it: from the workshop's root when inside it."""
    try:
        return str(path.relative_to(manifest.REPO))
    except ValueError:
        return str(path)
