"""harness/settings.py: defaults, each variable, child environments, the port offsets' ports."""
from pathlib import Path

import pytest

from harness import settings
from harness.ensemble import topology

JUPYTERLAB_PORT = 8888
ALL_OFFSETS = settings.RESERVED_OFFSETS + settings.SIDE_OFFSETS + settings.TEST_OFFSETS


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home folder of the test's own, so that the defaults are predictable."""
    monkeypatch.setattr(settings, "_home", lambda: tmp_path)
    return tmp_path


# --- read(env) --------------------------------------------------------------------------

def test_an_empty_environment_gives_the_defaults(home):
    s = settings.read({})
    assert s.namespace == "/checks"
    assert s.port_offset == 0
    assert s.class_sharing is True
    assert s.backend == ""
    assert s.root == settings.PACKAGE.parent                  # this checkout
    assert s.state_dir == home / ".local" / "state" / "zk-workshop"
    assert s.cache_dir == home / ".cache" / "zk-workshop"
    assert s.seed_key == home / ".local" / "state" / "zk-workshop" / "seed-key"
    assert s.image is None and s.image_mirror is None and s.image_suite == "bookworm"
    assert s.zookeeper_home is None and s.compose_project is None and s.docker_host is None
    assert s.side_offsets == settings.SIDE_OFFSETS


@pytest.mark.parametrize("variable, value, field, expected", [
    ("ZK_WORKSHOP_ROOT", "/srv/workshop", "root", Path("/srv/workshop")),
    ("ZK_WORKSHOP_STATE", "/tmp/state-x", "state_dir", Path("/tmp/state-x")),
    ("ZK_WORKSHOP_PORT_OFFSET", "10000", "port_offset", 10000),
    ("ZK_WORKSHOP_NAMESPACE", "/other", "namespace", "/other"),
    ("ZK_WORKSHOP_CACHE", "/tmp/cache-x", "cache_dir", Path("/tmp/cache-x")),
    ("XDG_CACHE_HOME", "/tmp/xdg", "cache_dir", Path("/tmp/xdg/zk-workshop")),
    ("ZK_WORKSHOP_CDS", "0", "class_sharing", False),
    ("ZK_WORKSHOP_SEED_KEY", "/tmp/key", "seed_key", Path("/tmp/key")),
    ("ZK_BACKEND", "Docker", "backend", "docker"),                  # case does not matter
    ("ZK_BACKEND", "local", "backend", "local"),
    ("ZK_IMAGE", "zk-workshop:debian", "image", "zk-workshop:debian"),
    ("ZK_IMAGE_SUITE", "trixie", "image_suite", "trixie"),
    ("ZK_IMAGE_MIRROR", "http://deb.example/debian", "image_mirror", "http://deb.example/debian"),
    ("ZOOKEEPER_HOME", "/opt/zookeeper", "zookeeper_home", "/opt/zookeeper"),
    ("COMPOSE_PROJECT_NAME", "zk-mine", "compose_project", "zk-mine"),
    ("DOCKER_HOST", "tcp://127.0.0.1:2375", "docker_host", "tcp://127.0.0.1:2375"),
    ("ZK_WORKSHOP_QUOTA_LOG", "/tmp/peaks.jsonl", "quota_log", Path("/tmp/peaks.jsonl")),
])
def test_each_variable_changes_its_field(home, variable, value, field, expected):
    default = getattr(settings.read({}), field)
    assert getattr(settings.read({variable: value}), field) == expected != default


@pytest.mark.parametrize("value", ["1", "", "false", "no"])
def test_only_zero_turns_class_sharing_off(home, value):
    assert settings.read({"ZK_WORKSHOP_CDS": value}).class_sharing is True


def test_empty_variables_mean_the_default(home):
    names = ("ZK_WORKSHOP_ROOT", "ZK_WORKSHOP_STATE", "ZK_WORKSHOP_PORT_OFFSET",
             "ZK_WORKSHOP_NAMESPACE", "ZK_BACKEND", "ZK_IMAGE", "DOCKER_HOST")
    empty = {name: "" for name in names}
    assert settings.read(empty) == settings.read({})


def test_a_state_folder_elsewhere_does_not_move_the_seed_key(home):
    # documented: the seed's key stays in ~/.local/state unless ZK_WORKSHOP_SEED_KEY moves it
    assert settings.read({"ZK_WORKSHOP_STATE": "/tmp/s"}).seed_key == settings.read({}).seed_key


# --- environment() and side_ensemble() ------------------------------------------------

def test_environment_changes_only_the_settings_given_as_text():
    base = {"PATH": "/bin", "ZK_BACKEND": "docker", "ZK_WORKSHOP_NAMESPACE": "/checks"}
    env = settings.environment(offset=11100, state=Path("/tmp/side"), base=base)
    assert env == {"PATH": "/bin", "ZK_BACKEND": "docker", "ZK_WORKSHOP_NAMESPACE": "/checks",
                   "ZK_WORKSHOP_PORT_OFFSET": "11100", "ZK_WORKSHOP_STATE": "/tmp/side"}
    assert base == {"PATH": "/bin", "ZK_BACKEND": "docker", "ZK_WORKSHOP_NAMESPACE": "/checks"}


def test_environment_sets_backend_and_namespace_and_keeps_offset_zero():
    env = settings.environment(offset=0, backend="local", namespace="/mine", base={})
    assert env == {"ZK_WORKSHOP_PORT_OFFSET": "0", "ZK_BACKEND": "local",
                   "ZK_WORKSHOP_NAMESPACE": "/mine"}


def test_environment_defaults_to_this_process(monkeypatch):
    monkeypatch.setenv("ZK_UNIT_MARKER", "here")
    assert settings.environment()["ZK_UNIT_MARKER"] == "here"


def test_side_ensemble_points_a_process_at_the_local_ensemble_on_its_offset(home):
    env = settings.side_ensemble(13100, Path("/tmp/side-13100"))
    assert env == {"ZK_WORKSHOP_PORT_OFFSET": "13100", "ZK_WORKSHOP_STATE": "/tmp/side-13100",
                   "ZK_BACKEND": "local"}
    s = settings.read(env)
    assert (s.port_offset, s.state_dir, s.backend) == (13100, Path("/tmp/side-13100"), "local")


# --- the port offsets ---------------------------------------------------------------------

def ports_of(offset: int) -> dict[int, str]:
    """Every port the ensemble on ``offset`` listens on -> what it is (topology.servers)."""
    out = {}
    for i in (1, 2, 3):
        out[2180 + offset + i] = f"offset {offset} zoo{i} client"
        out[2887 + offset + i] = f"offset {offset} zoo{i} peer"
        out[3887 + offset + i] = f"offset {offset} zoo{i} election"
    return out


@pytest.mark.parametrize("offset", [0, 10000, 27100])
def test_ports_of_agrees_with_topology(offset):
    mine = set(ports_of(offset))
    theirs = {p for s in topology.servers(offset)
              for p in (s.client_port, s.peer_port, s.election_port)}
    assert mine == theirs


def test_every_offset_is_used_once():
    assert len(ALL_OFFSETS) == len(set(ALL_OFFSETS))


def test_no_two_offsets_share_a_port_and_none_takes_jupyterlabs():
    taken = {JUPYTERLAB_PORT: "JupyterLab"}
    for offset in ALL_OFFSETS:
        for port, what in ports_of(offset).items():
            assert port not in taken, f"{what}: port {port} is also {taken[port]}'s"
            taken[port] = what


def test_every_offsets_ports_are_below_linuxs_default_ephemeral_range():
    for offset in ALL_OFFSETS:
        assert max(ports_of(offset)) < 32768, offset
        assert min(ports_of(offset)) >= 1024, offset


def test_every_offsets_ports_stay_below_linux_default_ephemeral_range():
    """32768 is where Linux starts handing ports to outgoing connections by default."""
    high = {offset: max(ports_of(offset)) for offset in ALL_OFFSETS}
    assert all(port < 32768 for port in high.values()), \
        {offset: port for offset, port in high.items() if port >= 32768}


# --- side offsets per test-loop worker -----------------------------------------------------

def loop_worker(n: int, workers: int) -> dict:
    return {"ZK_TEST_LOOP": "1", "PYTEST_XDIST_WORKER": f"gw{n}", "ZK_TEST_WORKERS": str(workers)}


def test_each_of_four_test_loop_workers_gets_a_disjoint_share_of_the_side_offsets():
    shares = [settings._side_offsets(loop_worker(n, 4)) for n in range(4)]
    assert all(shares), shares                           # everyone can grade a class
    flat = [o for share in shares for o in share]
    assert len(flat) == len(set(flat))                   # no offset is handed out twice
    assert sorted(flat) == sorted(settings.SIDE_OFFSETS)  # and none is lost


def test_read_hands_a_worker_its_share(home):
    share = settings._side_offsets(loop_worker(1, 4))
    assert settings.read(loop_worker(1, 4)).side_offsets == share
    assert settings.read(loop_worker(1, 4)).side_offsets != settings.SIDE_OFFSETS


@pytest.mark.parametrize("env", [
    {},                                                                  # not in a test loop
    {"PYTEST_XDIST_WORKER": "gw2", "ZK_TEST_WORKERS": "4"},              # xdist, but not the loop
    {"ZK_TEST_LOOP": "0", "PYTEST_XDIST_WORKER": "gw2", "ZK_TEST_WORKERS": "4"},
    {"ZK_TEST_LOOP": "1", "ZK_TEST_WORKERS": "4"},                       # the loop's main process
    {"ZK_TEST_LOOP": "1", "PYTEST_XDIST_WORKER": "master", "ZK_TEST_WORKERS": "4"},
])
def test_outside_a_test_loop_worker_every_side_offset_is_free(env):
    assert settings._side_offsets(env) == settings.SIDE_OFFSETS


def test_a_single_worker_loop_gets_every_side_offset():
    assert settings._side_offsets(loop_worker(0, 1)) == settings.SIDE_OFFSETS
    assert settings._side_offsets({"ZK_TEST_LOOP": "1", "PYTEST_XDIST_WORKER": "gw0"}) == \
        settings.SIDE_OFFSETS


def test_every_worker_of_the_largest_test_loop_gets_a_side_offset():
    from harness.tools import testloop
    workers = testloop.MAX_WORKERS
    shares = {f"gw{n}": settings._side_offsets(loop_worker(n, workers)) for n in range(workers)}
    assert all(shares.values()), shares
