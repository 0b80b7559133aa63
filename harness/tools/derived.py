"""Files that labs.toml implies, written from it so that a new lab needs no other edit.

    the lab table of README.md          between <!-- labs --> and <!-- /labs -->
    the lab table of 00_start_here      in labs/00_start_here.ipynb, between the same markers,
                                        with each lab's estimated time (estimates.py)
    docs/lab-interface.md               its notebook table, and each lab's section from
                                        docs/labs/<key>.md
    docs/classroom/github-classroom.yml the reporter's per-lab results and runners

``python -m harness starters`` writes them with the starter notebooks;
``--check`` (and tests/test_notebooks.py) fails when one is out of date.
"""
from __future__ import annotations

import json
import re

from harness import manifest
from harness.tools import estimates

BEGIN, END = "<!-- labs -->", "<!-- /labs -->"
DOCS = manifest.REPO / "docs"


def readme_table() -> str:
    rows = ["| lab | notebook | builds | the mistakes its checks catch |",
            "| --- | --- | --- | --- |"]
    rows += [f"| {lab.number} | `{lab.notebook[:-6]}` | {', '.join(f'`{n}`' for n in lab.builds)} "
             f"| {lab.catches} |" for lab in manifest.labs()]
    return "\n".join(rows)


def start_here_table() -> str:
    """The labs, with each one's estimated time (harness/tools/estimates.py) and, once a
    walk-through measured it, its measured time (labs.toml's ``minutes``)."""
    labs = manifest.labs()
    timed = any(lab.minutes for lab in labs)
    guess = {lab.key: estimates.of_lab(lab).minutes for lab in labs}
    rows = ["| lab | notebook | you build | estimate |" + (" measured |" if timed else ""),
            "| --- | --- | --- | --- |" + (" --- |" if timed else "")]
    for lab in labs:
        measured = (f" {lab.minutes} min |" if lab.minutes else " |") if timed else ""
        rows.append(f"| {lab.number} | `{lab.notebook}` | "
                    f"{', '.join(f'`{n}`' for n in lab.builds)}: {lab.summary} "
                    f"| ~{guess[lab.key]} min |{measured}")
    total = sum(guess.values())
    rows += ["", f"*Estimate*: a guess, not a measurement, computed from each notebook: "
                 f"{estimates.method()}. All {len(labs)} labs: about {total // 60} h "
                 f"{total % 60:02d} min."]
    return "\n".join(rows)


def between_markers(text: str, inner: str, where: str) -> str:
    """``text`` with what lies between BEGIN and END replaced by ``inner``."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{where} has no {BEGIN} ... {END} markers for the lab table")
    return pattern.sub(lambda _: f"{BEGIN}\n{inner}\n{END}", text, count=1)


def readme(text: str) -> str:
    return between_markers(text, readme_table(), "README.md")


def start_here(text: str) -> str:
    nb = json.loads(text)
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if BEGIN in source:
            cell["source"] = between_markers(source, start_here_table(),
                                             "00_start_here.ipynb").splitlines(True)
            return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    raise ValueError(f"labs/00_start_here.ipynb has no {BEGIN} ... {END} markers")


def lab_interface(text: str) -> str:
    """The general part of lab-interface.md (up to its lab sections), the notebook table
    between its markers, then each lab's page of docs/labs/."""
    head = text.split("\n### Lab ", 1)[0].rstrip() + "\n"
    table = ["| notebook | module |", "| --- | --- |"]
    table += [f"| `{lab.notebook}` | `{lab.module}` |" for lab in manifest.labs()]
    head = between_markers(head, "\n".join(table), "docs/lab-interface.md")
    pages = [(DOCS / "labs" / f"{lab.key}.md").read_text().rstrip() for lab in manifest.labs()]
    return head + "\n" + "\n\n".join(pages) + "\n"


def classroom_workflow(text: str) -> str:
    """The reporter step's env (one LABn_RESULTS per lab) and its runners, from labs.toml."""
    keys = [lab.key for lab in manifest.labs()]
    env = "".join(f'          {k.upper()}_RESULTS: "${{{{ steps.checks.outputs.{k} }}}}"\n'
                  for k in keys)
    text = re.sub(r"(        env:\n)(?:          LAB\d+_RESULTS: [^\n]*\n)+", lambda m: m.group(1) + env,
                  text, count=1)
    return re.sub(r"(          runners: )[\w,]+", lambda m: m.group(1) + ",".join(keys), text, count=1)


FILES = {                      # path -> how to render it from what it holds now
    manifest.REPO / "README.md": readme,
    manifest.STARTERS / "00_start_here.ipynb": start_here,
    DOCS / "lab-interface.md": lab_interface,
    DOCS / "classroom" / "github-classroom.yml": classroom_workflow,
}


def render(check: bool = False) -> list[str]:
    """Write (or, with check, compare) every derived file; the names that differ."""
    stale = []
    for path, make in FILES.items():
        old = path.read_text()
        new = make(old)
        if new != old:
            stale.append(str(path.relative_to(manifest.REPO)))
            if not check:
                path.write_text(new)
    return stale
