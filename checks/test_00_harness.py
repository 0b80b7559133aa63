"""Smoke checks of the grading harness itself (not scored)."""
from harness import manifest, notebooks


def test_ensemble_has_a_quorum(ensemble):
    modes = ensemble.modes()
    assert ensemble.has_quorum(), f"no quorum: {modes}"
    assert list(modes.values()).count("leader") == 1, modes


def test_zk_client_is_in_its_own_namespace(zk, clients):
    zk.create("/probe", b"x")
    other = clients()
    assert other.get("/probe")[0] == b"x"
    assert zk.chroot.startswith("/checks/") or zk.chroot, zk.chroot


def test_the_submission_has_every_lab_notebook(request):
    from pathlib import Path
    folder = Path(request.config.getoption("submission"))
    missing = [lab.notebook for lab in manifest.labs() if not (folder / lab.notebook).exists()]
    assert not missing, f"{folder} lacks {missing}"
    for lab in manifest.labs():
        assert notebooks.solution_cells(folder / lab.notebook), f"{lab.notebook}: no solution cell"
