"""The house's rules: layers that import one way, one command line, small modules.

- Each subpackage of ``harness`` is a layer; a module imports only its own layer
  and the layers below it, and the module graph has no cycle. ``harness``
  never imports ``tests``.
- The sandbox's child (the learner's process) imports only the wire, its own
  helpers and the recipe: never the grader's library.
- ``python -m harness --help`` lists every verb; the Makefile calls no other
  ``python -m`` (but the one that makes the venv).
- Modules hold one idea: none over 500 lines; the ones over 400 and the
  functions over 60 lines are listed below, each with its reason.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness import manifest

ROOT = manifest.REPO
PACKAGE = ROOT / "harness"

# Lowest first: a layer may import itself and what comes before it.
LAYERS = [
    ("core", ["harness", "harness.settings", "harness.recipe", "harness.waits",
              "harness.notebooks", "harness.manifest"]),
    ("ensemble", ["harness.ensemble", "harness.store"]),
    ("sandbox", ["harness.sandbox"]),
    ("world", ["harness.world"]),
    ("grading", ["harness.grading"]),
    ("learner", ["harness.learner"]),
    ("tools", ["harness.tools"]),
    ("cli", ["harness.cli", "harness.__main__"]),
]
# The child may import only these of the harness (its process runs the learner's code).
CHILD_MAY_IMPORT = {"harness", "harness.recipe", "harness.sandbox", "harness.sandbox.wire",
                    "harness.sandbox.cells", "harness.sandbox.saboteur", "harness.sandbox.reports",
                    "harness.sandbox.child", "harness.sandbox.race_ops", "harness.store",
                    "harness.store.client"}

LONG_MODULES = {       # over 400 lines, and why
}
LONG_FUNCTIONS = {     # over 60 lines, and why
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
            if "_workshop" not in p.parts}


def layer_of(name: str) -> int:
    best, rank = -1, None
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank is not None, f"{name} belongs to no layer: add it to LAYERS"
    return rank


def imports_of(path: Path, name: str) -> set[str]:
    """The harness modules (and tests) a module imports, anywhere in it but under
    ``if TYPE_CHECKING:`` (annotations only)."""
    tree = ast.parse(path.read_text())
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
            and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    found = set()
    known = modules()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(name.split(".")[:-node.level] + ([base] if base else []))
            subs = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
            found |= subs
            if len(subs) < len(node.names):       # a name of the module itself, not a submodule
                found.add(base)
    return {m for m in found if m.split(".")[0] in ("harness", "tests")}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {m for m in imports_of(path, name) if m in known and m != name}
            for name, path in known.items()}


def test_every_layer_imports_only_itself_and_the_layers_below():
    wrong = []
    for name, path in modules().items():
        for target in imports_of(path, name):
            if target.startswith("tests"):
                wrong.append(f"{name} imports {target}: harness never imports tests/")
            elif layer_of(target) > layer_of(name):
                wrong.append(f"{name} ({LAYERS[layer_of(name)][0]}) imports {target} "
                             f"({LAYERS[layer_of(target)][0]})")
    assert not wrong, "\n".join(wrong)


def test_the_module_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("an import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_the_learners_process_imports_no_grader_code():
    known = modules()
    seen, todo = set(), ["harness.sandbox.child"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [m for m in imports_of(known[name], name) if m in known]
    assert seen <= CHILD_MAY_IMPORT, f"the child imports {sorted(seen - CHILD_MAY_IMPORT)}"


def test_every_subpackage_says_what_it_is_for():
    for init in PACKAGE.rglob("__init__.py"):
        if "_workshop" in init.parts:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.splitlines()) >= 3, f"{init.relative_to(ROOT)}: no map in its docstring"


def test_modules_and_functions_stay_small():
    too_long, listed_too_long, long_functions = [], [], []
    for name, path in modules().items():
        lines = len(path.read_text().splitlines())
        if lines > 500:
            too_long.append(f"{name}: {lines} lines")
        if lines > 400 and name not in LONG_MODULES:
            listed_too_long.append(f"{name}: {lines} lines (not in LONG_MODULES)")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                key = f"{name}.{node.name}"
                if length > 60 and key not in LONG_FUNCTIONS:
                    long_functions.append(f"{key}: {length} lines")
    assert not too_long, "modules over 500 lines: " + "; ".join(too_long)
    assert not listed_too_long and not long_functions, \
        "\n".join(listed_too_long + long_functions) + "\n(split them, or list them with a reason)"


def test_the_listed_exceptions_are_still_long():
    """An exception that was fixed leaves the list (it would hide the next one)."""
    for key in LONG_FUNCTIONS:
        module, _, function = key.rpartition(".")
        path = modules()[module]
        found = [n for n in ast.walk(ast.parse(path.read_text()))
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == function]
        assert found and max(n.end_lineno - n.lineno + 1 for n in found) > 60, key
    for name in LONG_MODULES:
        assert len(modules()[name].read_text().splitlines()) > 400, name


def verbs() -> list[str]:
    from harness import cli
    action = next(a for a in cli.parser()._actions if a.dest == "verb")
    return sorted(action.choices)


def test_python_dash_m_harness_help_lists_every_verb():
    out = subprocess.run([sys.executable, "-m", "harness", "--help"], capture_output=True,
                         text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    for verb in verbs():
        assert re.search(rf"^\s+{verb}\s", out.stdout, re.M), f"{verb} missing from --help"
    for verb in ("up", "down", "status", "image", "starters", "reset", "check", "grade",
                 "bundle", "bench", "flaky", "classgen", "mutants", "test"):
        assert verb in verbs()


@pytest.mark.parametrize("verb", verbs())
def test_each_verb_has_its_own_help(verb):
    from harness import cli
    with pytest.raises(SystemExit) as done:
        cli.parser().parse_args([verb, "--help"])
    assert done.value.code == 0


def test_the_makefile_calls_only_the_command_line():
    text = (ROOT / "Makefile").read_text()
    modules_run = re.findall(r"-m\s+([\w.]+)", text)
    assert set(modules_run) <= {"harness", "venv"}, modules_run
    assert "$(PY) -m harness" not in text.replace("H      := $(PY) -m harness", "")
    for verb in re.findall(r"\$\(H\) (\w+)", text):
        assert verb in verbs(), f"the Makefile calls `harness {verb}`, which does not exist"


def test_no_other_main_than_the_command_line_and_the_sandbox_child():
    mains = [name for name, path in modules().items()
             if "__main__" in path.read_text() and name != "harness.__main__"]
    # both start the sandbox's process, never a person: private_tmp as root, then the child
    assert mains == ["harness.sandbox.child", "harness.sandbox.private_tmp"], mains
