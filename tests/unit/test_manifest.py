"""harness/manifest.py on labs.toml: each lab's facts and files, lab 2's probes, name lookups."""
import json
from pathlib import Path

import pytest
import tomllib

from harness import manifest
from harness.learner import imports
from harness.sandbox import wire
from harness.tools import mutants

LABS = manifest.labs()
REQUIRED = ("number", "key", "notebook", "module", "title", "points", "hint", "builds", "catches")


@pytest.fixture
def lab_folder():
    """Serve the lab modules from a folder given later; forget them afterwards."""
    def serve(folder: Path, module: str):
        imports.install(folder)
        return imports.load_lab(module)
    yield serve
    imports.uninstall()


def as_the_grader_sees_it(value):
    """A value after the trip from the sandbox to the grader (JSON, wire-tagged)."""
    return wire.decode(json.loads(json.dumps(wire.encode(value))))


def test_every_lab_has_every_required_fact():
    with open(manifest.MANIFEST, "rb") as f:       # the file itself: a default may hide a gap
        entries = tomllib.load(f)["lab"]
    for entry in entries:
        missing = [name for name in REQUIRED if not entry.get(name)]
        assert not missing, f"lab {entry.get('key')}: {missing}"
    assert len(entries) == len(LABS)


def test_labs_are_numbered_1_to_n_in_order_and_keyed_by_number():
    assert [lab.number for lab in LABS] == list(range(1, len(LABS) + 1))
    assert [lab.key for lab in LABS] == [f"lab{lab.number}" for lab in LABS]


def test_keys_modules_and_notebooks_are_unique():
    for attribute in ("key", "module", "notebook"):
        values = [getattr(lab, attribute) for lab in LABS]
        assert len(values) == len(set(values)), attribute


def test_each_labs_points_are_positive_and_builds_name_python_identifiers():
    for lab in LABS:
        assert lab.points > 0, lab.key
        assert lab.builds and all(name.isidentifier() for name in lab.builds), lab.key


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.key)
def test_each_labs_notebook_exists_solved_and_as_a_starter(lab):
    assert (manifest.SOLUTIONS / lab.notebook).is_file()
    assert (manifest.STARTERS / lab.notebook).is_file()


def test_each_need_names_an_earlier_lab():
    for lab in LABS:
        for key in lab.needs:
            earlier = manifest.by_key(key)
            assert earlier is not None and earlier.number < lab.number, (lab.key, key)


def test_every_probe_calls_a_graded_function_of_its_lab():
    """A probe calls a lab's plain function (a class needs a live client: no probe for it)."""
    probed = [lab for lab in LABS if lab.probes]
    assert probed, "lab 2, which every election lab needs, has probes"
    for lab in probed:
        assert {p.function for p in lab.probes} <= set(lab.builds), lab.key


def test_the_probes_never_blame_the_solved_lab_2(lab_folder):
    lab2 = manifest.by_key("lab2")
    module = lab_folder(manifest.SOLUTIONS, lab2.module)
    assert lab2.probes
    for probe in lab2.probes:
        got = as_the_grader_sees_it(getattr(module, probe.function)(*probe.args))
        assert got == probe.expect, (probe, got)


def test_the_probes_do_blame_a_lab_2_that_sorts_by_name(lab_folder, tmp_path):
    lab2 = manifest.by_key("lab2")
    wrong = manifest.WRONG / "lab2_lexicographic_sort.py"
    folder = mutants.build(tmp_path / "sub", overrides={"lab2": wrong.read_text()})
    module = lab_folder(folder, lab2.module)
    answers = [as_the_grader_sees_it(getattr(module, p.function)(*p.args)) for p in lab2.probes]
    assert any(got != p.expect for got, p in zip(answers, lab2.probes)), answers


# --- lookups by name -----------------------------------------------------------------------

@pytest.mark.parametrize("path, key", [
    ("test_lab3_joins.py", "lab3"),
    ("checks/test_lab3_joins.py", "lab3"),
    ("/some/where/test_lab12_x.py", "lab12"),         # a lab not (yet) in the manifest
    (Path("/hidden/test_lab5_extra.py"), "lab5"),
    ("test_00_harness.py", ""),
    ("test_lab3.py", ""),                             # no underscore after the key
    ("my_test_lab3_x.py", ""),                        # the name must start with test_
    ("/x/test_lab3_dir/helper.py", ""),               # the folder's name does not count
])
def test_key_of_check_reads_the_lab_from_the_files_name(path, key):
    assert manifest.key_of_check(path) == key


def test_every_check_file_belongs_to_a_lab_or_the_harness():
    keys = {lab.key for lab in LABS}
    for path in manifest.CHECKS.glob("test_*.py"):
        assert manifest.key_of_check(path) in keys | {""}, path.name
    for lab in LABS:
        assert lab.check_files(), lab.key
        assert all(manifest.key_of_check(p) == lab.key for p in lab.check_files())


def test_every_wrong_solution_belongs_to_a_lab():
    files = sorted(manifest.WRONG.glob("*.py"))
    assert files
    for path in files:
        lab = manifest.lab_of_wrong(path)
        assert path.name.startswith(f"{lab.key}_") and path in lab.wrong_solutions()


def test_lab_of_wrong_reads_the_key_before_the_first_underscore():
    assert manifest.lab_of_wrong(Path("/x/lab3_never_rearms.py")).key == "lab3"
    assert manifest.lab_of_wrong("lab5_ignores_suspended.py").number == 5


@pytest.mark.parametrize("name", ["never_rearms.py", "lab9_x.py", "lab_x.py", "Lab3_x.py"])
def test_lab_of_wrong_refuses_a_name_without_a_lab_key(name):
    with pytest.raises(ValueError, match="must start with a lab key"):
        manifest.lab_of_wrong(Path(name))


def imported_by(lab) -> set[str]:
    """The labs whose modules a lab's solved cells import directly."""
    from harness import notebooks
    cells = "".join(src for _, src in notebooks.solution_cells(manifest.SOLUTIONS / lab.notebook))
    return {other.key for other in LABS
            if f"from {other.module} import" in cells or f"import {other.module}\n" in cells}


def test_needs_are_what_the_solutions_import_directly_or_through_each_other():
    for lab in LABS:
        direct = imported_by(lab)
        closure = set(direct)
        for key in direct:
            closure |= set(manifest.by_key(key).needs)
        assert set(lab.needs) == closure, (lab.key, lab.needs, closure)


def test_users_of_a_lab_are_the_labs_that_need_it():
    for lab in LABS:
        assert [u.key for u in manifest.users_of(lab.key)] == [
            other.key for other in LABS if lab.key in other.needs]
    assert "lab3" in [u.key for u in manifest.users_of("lab2")]
    assert manifest.users_of("nope") == []


def test_lookups_by_module_and_notebook_find_the_same_lab():
    for lab in LABS:
        assert manifest.by_module(lab.module) is lab
        assert manifest.by_notebook(lab.notebook) is lab
        assert manifest.by_key(lab.key) is lab
    assert manifest.by_key("lab0") is None and manifest.by_module("x") is None
