"""Gradescope's and PrairieLearn's graders run for real, in containers, as those platforms run them.

The images (harness/grading/platform_images.py) are Gradescope's autograder built from
the bundle's setup.sh and PrairieLearn's from docs/classroom/prairielearn/Dockerfile,
both on a stand-in for Ubuntu 22.04 made from Debian's packages; they are built here
when absent or out of date (about 5 minutes; `.ci/platforms` does it first). Each
grading container starts its own three ZooKeeper JVMs inside its own network namespace
(PrairieLearn's with no network at all), so the ensemble on this machine is not used.

Skipped when no Docker engine answers, or when the images are absent and cannot be
built here (not root, no Debian mirror).
"""
import json
import re
import shutil

import jsonschema
import pytest
from docker.utils.build import exclude_paths
from test_platforms import GRADESCOPE_SCHEMA, PRAIRIELEARN_SCHEMA  # the same checks as on the host

from harness import manifest
from harness.ensemble import image
from harness.grading import autograde
from harness.manifest import REPO
from harness.tools import platform_images

FULL = sum(lab.points for lab in manifest.labs())


@pytest.fixture(scope="module")
def client():
    try:
        c = image.connect(timeout=3600)
    except image.ImageError as e:
        pytest.skip(f"no Docker engine answers, so no grading container runs (`bash .ci/platforms` "
                    f"starts one): {e}")
    yield c
    c.close()


@pytest.fixture(scope="module")
def images(client):
    """Both images, built first if absent or out of date (setup outside the tests' timeout)."""
    if not platform_images.images_current(client):
        blocker = image.build_blocker()
        if blocker:
            pytest.skip(f"the platforms' images are absent and cannot be built here: {blocker}")
        platform_images.build_gradescope(client)
        platform_images.build_prairielearn(client)
    return client


def submission(tmp_path, who: str):
    """A submission folder: the solutions, the starters, or the solutions with lab 1 broken."""
    sub = tmp_path / who / "submission"
    sub.mkdir(parents=True)
    for nb in (REPO / ("labs" if who == "starter" else "solutions")).glob("0*.ipynb"):
        shutil.copy(nb, sub / nb.name)
    if who == "not_loading":        # lab 1's solution cell does not compile
        path = sub / "01_ephemeral_nodes.ipynb"
        nb = json.loads(path.read_text())
        cell = next(c for c in nb["cells"] if "solution" in c.get("metadata", {}).get("tags", []))
        cell["source"] = ['def register(zk, path, data=b"":\n', "    pass\n"]
        path.write_text(json.dumps(nb))
    return sub


def failed_outputs(result):
    return [t["output"][:300] for t in result["tests"] if t.get("status") != "passed"]


@pytest.mark.runs_checks
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_gradescope_autograder_grades_in_its_container(images, tmp_path):
    """/autograder/submission in, /autograder/run_autograder, /autograder/results/results.json out:
    the solutions score full marks, the starters zero, a notebook that does not load zero;
    all gradable."""
    graded = {}
    for who, labs in (("solutions", ""), ("starter", ""), ("not_loading", "lab1")):
        out = tmp_path / who / "results"
        result = platform_images.grade_gradescope(images, submission(tmp_path, who), out, labs=labs)
        jsonschema.validate(result, GRADESCOPE_SCHEMA)
        log = (out / "container.log").read_text()
        assert "starting the ZooKeeper ensemble (local JVMs)" in log, "its own ensemble, inside"
        assert result["extra_data"]["gradable"] is True, log[-3000:]
        assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]), abs=0.01)
        graded[who] = result
    assert graded["solutions"]["score"] == FULL, failed_outputs(graded["solutions"])
    assert {t["name"].split(" ")[1] for t in graded["solutions"]["tests"]} == {
        str(lab.number) for lab in manifest.labs()}, "every lab graded"
    assert graded["starter"]["score"] == 0 and graded["starter"]["tests"]
    assert all(t["output"].startswith("Not done yet") for t in graded["starter"]["tests"])
    broken = graded["not_loading"]
    assert broken["score"] == 0 and broken["tests"]
    assert all(t["name"].startswith("Lab 1 ") for t in broken["tests"])
    assert all("could not be loaded" in t["output"] for t in broken["tests"]), failed_outputs(broken)


@pytest.mark.runs_checks
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_prairielearn_grader_grades_in_its_container_without_network(images, tmp_path):
    """/grade/student in, the entrypoint, /grade/results/results.json out, `--network none`."""
    for who, labs, score in (("solutions", "", 1.0), ("starter", "lab1,lab2", 0.0)):
        out = tmp_path / who / "results"
        result = platform_images.grade_prairielearn(images, submission(tmp_path, who), out, labs=labs)
        jsonschema.validate(result, PRAIRIELEARN_SCHEMA)
        log = (out / "container.log").read_text()
        assert result["gradable"] is True, log[-3000:]
        assert result["score"] == score, [t["message"][:300] for t in result["tests"]
                                          if t["points"] < t["max_points"]]
        tests = result["tests"]
        assert tests and result["score"] == pytest.approx(
            sum(t["points"] for t in tests) / sum(t["max_points"] for t in tests))
        if who == "starter":
            assert {t["name"].split(" ")[1] for t in tests} == {"1", "2"}, "ZK_WORKSHOP_LABS honoured"


def test_the_prairielearn_image_holds_the_bundles_files_and_no_answers():
    """The build context .dockerignore leaves, as the Docker client computes it: the grader's
    files (those of the Gradescope bundle), the Dockerfile, the entrypoint and .dockerignore
    (always sent); no solutions, no venv."""
    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    context = set(exclude_paths(str(REPO), patterns, dockerfile="docs/classroom/prairielearn/Dockerfile"))
    files = {p for p in context if (REPO / p).is_file()}
    grader = {str(p.relative_to(REPO)) for p in autograde.grader_files()}
    assert files == grader | {"docs/classroom/prairielearn/Dockerfile",
                              "docs/classroom/prairielearn/run.sh", ".dockerignore"}


def test_the_slow_layers_come_before_the_graders_code():
    """Both Dockerfiles install Java, ZooKeeper and the Python environment before they copy
    the grader's code, so that Docker's layer cache keeps those layers when only the code
    changed. Gradescope's runs setup.sh up to the first line naming the harness (its checks),
    then whole after the copy: the cut must leave the installs before it."""
    gradescope = (autograde.GRADESCOPE_DIR / "Dockerfile").read_text()
    m = re.search(r"sed '/(\w+)/,\$d' /autograder/source/setup.sh", gradescope)
    assert m, "the first run of setup.sh: sed '/WORD/,$d' setup.sh"
    lines = (autograde.GRADESCOPE_DIR / "setup.sh").read_text().splitlines()
    cut = next(i for i, line in enumerate(lines) if m.group(1) in line)
    before, after = "\n".join(lines[:cut]), "\n".join(lines[cut:])
    assert "apt-get install" in before and "pip install -q -r requirements.txt" in before
    assert not re.search(r"(apt-get|pip) install", after), \
        "setup.sh installs after its checks: the cached layer lacks it"
    early = "COPY source/setup.sh source/requirements.txt source/pyproject.toml /autograder/source/"
    assert gradescope.index(early) < gradescope.index("bash /tmp/setup-environment.sh") \
        < gradescope.index("COPY source /autograder/source") < gradescope.index("bash /autograder/source/setup.sh")
    prairielearn = (platform_images.PRAIRIELEARN_DIR / "Dockerfile").read_text()
    assert prairielearn.index("COPY requirements.txt pyproject.toml ./") \
        < prairielearn.index("pip install -q -r requirements.txt") < prairielearn.index("COPY . /opt/zk-workshop")
