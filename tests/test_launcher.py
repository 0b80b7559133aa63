"""The local backend, on a private ensemble (ports shifted by 10000, its own state dir)."""
import os
import socket
import subprocess
import sys
import time

import pytest

from harness import settings

OFFSET = settings.DEV_OFFSET


def run(tmp_path, *args, extra_env=None, timeout=120):
    env = dict(os.environ, **settings.side_ensemble(OFFSET, tmp_path / "state"))
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "harness", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def java_processes(tmp_path):
    out = subprocess.run(["pgrep", "-f", str(tmp_path / "state")], capture_output=True, text=True)
    return out.stdout.split()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_up_gives_a_leader_and_two_followers_then_down_leaves_nothing(tmp_path):
    try:
        t0 = time.monotonic()
        res = run(tmp_path, "up")
        elapsed = time.monotonic() - t0
        assert res.returncode == 0, res.stderr
        status = run(tmp_path, "status").stdout
        modes = [line.split()[2] for line in status.splitlines() if line.startswith("zoo")]
        assert sorted(modes) == ["follower", "follower", "leader"], status
        print(f"launcher up: {elapsed:.1f} s")     # the figure; the target (15 s) is not asserted
        pids = java_processes(tmp_path)
        assert len(pids) == 3
        again = run(tmp_path, "up")                 # idempotent: reuses what answers
        assert again.returncode == 0, again.stderr
        assert java_processes(tmp_path) == pids
    finally:
        down = run(tmp_path, "down")
    assert down.returncode == 0, down.stderr
    assert java_processes(tmp_path) == []
    assert run(tmp_path, "down").returncode == 0    # idempotent


def test_a_port_taken_by_another_program_is_refused_and_nothing_starts(tmp_path):
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", 2182 + OFFSET))
    squatter.listen()
    try:
        res = run(tmp_path, "up")
    finally:
        squatter.close()
    assert res.returncode == 1
    assert f"port {2182 + OFFSET}" in res.stderr and "not this workshop's ZooKeeper" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, "one clear sentence, not a traceback"
    assert java_processes(tmp_path) == []


def test_missing_zookeeper_says_what_to_install(tmp_path):
    empty = tmp_path / "no-zookeeper"
    empty.mkdir()
    res = run(tmp_path, "up", extra_env={"ZOOKEEPER_HOME": str(empty)})
    assert res.returncode == 1
    assert "apt-get install zookeeper" in res.stderr and "ZOOKEEPER_HOME" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert java_processes(tmp_path) == []


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_up_restarts_a_server_whose_config_is_out_of_date(tmp_path):
    # the workshop was updated while its ensemble ran: `up` must not keep the old settings
    try:
        assert run(tmp_path, "up").returncode == 0
        cfg = tmp_path / "state" / "zoo1" / "zoo.cfg"
        fresh = cfg.read_text()
        pid = (tmp_path / "state" / "zoo1" / "pid").read_text()
        cfg.write_text(fresh.replace("maxSessionTimeout=", "# an older workshop\nmaxSessionTimeout="))
        res = run(tmp_path, "up", timeout=120)
        assert res.returncode == 0, res.stderr
        assert cfg.read_text() == fresh
        assert (tmp_path / "state" / "zoo1" / "pid").read_text() != pid, "zoo1 was not restarted"
        modes = [line.split()[2] for line in run(tmp_path, "status").stdout.splitlines()
             if line.startswith("zoo")]
        assert sorted(modes) == ["follower", "follower", "leader"]
    finally:
        run(tmp_path, "down")
    assert java_processes(tmp_path) == []


def test_a_long_log_is_rotated_when_its_server_starts(tmp_path, monkeypatch, setting):
    from harness.ensemble import local, topology
    setting("ZK_WORKSHOP_STATE", str(tmp_path))
    monkeypatch.setattr(local, "LOG_ROTATE_BYTES", 100)
    server = topology.servers(OFFSET)[0]
    log = local.log_path(server)
    log.parent.mkdir(parents=True)
    log.write_text("short\n")
    local.rotate_log(server)
    assert log.read_text() == "short\n"            # under the limit: kept as it is
    log.write_text("x" * 101)
    local.rotate_log(server)
    assert not log.exists() and (tmp_path / server.name / "server.log.1").read_text() == "x" * 101


def test_a_database_zookeeper_cannot_load_is_deleted_before_the_next_start(tmp_path, setting):
    """ZOOKEEPER-4846: the server's last start died loading its snapshot; the next
    start deletes that database (the server then takes the leader's), and only then."""
    from harness.ensemble import local, topology
    setting("ZK_WORKSHOP_STATE", str(tmp_path))
    server = topology.servers(OFFSET)[0]
    snapshots = local.server_dir(server) / "data" / "version-2"
    snapshots.mkdir(parents=True)
    (snapshots / "snapshot.1").write_text("x")
    log = local.log_path(server)
    log.write_text("\n=== 2026-11-28 01:21:05 starting zoo1\nERROR: ACL not available for long 8130\n"
                   "java.lang.RuntimeException: Failed to fetch acls for 8130\n"
                   "\n=== 2026-11-28 01:22:00 starting zoo1\nINFO all well\n")
    assert not local.database_broken(server)         # an earlier start's failure only
    log.write_text(log.read_text() + "\n=== 2026-11-28 01:23:00 starting zoo1\n"
                   "java.lang.RuntimeException: Failed to fetch acls for 8130\n")
    assert local.database_broken(server)
    local.set_database_aside(server)
    assert not snapshots.exists()
    assert not local.database_broken(server), "the note it leaves must not read as a failure"


def maps_archive(pid: str, archive) -> bool:
    with open(f"/proc/{pid}/maps") as f:
        return str(archive) in f.read()


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_the_first_up_archives_the_servers_classes_and_later_starts_map_it(tmp_path):
    """class_sharing: the first start writes the class list, up builds the archive,
    and servers started afterwards map it (a real JVM's memory map says so)."""
    cache = tmp_path / "cache"
    env = {"ZK_WORKSHOP_CACHE": str(cache)}
    try:
        assert run(tmp_path, "up", extra_env=env).returncode == 0
        archives = list(cache.glob("zookeeper-*.jsa"))
        assert len(archives) == 1, f"no archive after the first up: {list(cache.iterdir())}"
        lists = list((tmp_path / "state").glob("zoo*/classes.lst"))
        assert len(lists) == 3 and all(len(p.read_text().splitlines()) > 500 for p in lists)
        assert not any(maps_archive(p, archives[0]) for p in java_processes(tmp_path))
        assert run(tmp_path, "down", extra_env=env).returncode == 0
        assert run(tmp_path, "up", extra_env=env).returncode == 0
        pids = java_processes(tmp_path)
        assert len(pids) == 3 and all(maps_archive(p, archives[0]) for p in pids)
        off = run(tmp_path, "down", extra_env=env), run(tmp_path, "up", extra_env={
            **env, "ZK_WORKSHOP_CDS": "0"})
        assert off[1].returncode == 0
        assert not any(maps_archive(p, archives[0]) for p in java_processes(tmp_path))
    finally:
        run(tmp_path, "down", extra_env=env)
    assert java_processes(tmp_path) == []


def test_a_class_list_still_being_written_is_not_archived(tmp_path):
    from harness.ensemble import class_sharing
    half = tmp_path / "classes.lst"
    half.write_text("java/lang/Object id: 0\n" * 600 + "org/apache/zoo")
    assert len(class_sharing._usable_list(half, settled=0)) == 600     # the half line dropped
    assert class_sharing._usable_list(half, settled=60) is None       # too fresh: its JVM starts
    half.write_text("java/lang/Object id: 0\n" * 10)
    assert class_sharing._usable_list(half, settled=0) is None        # a server that died early


def test_down_stops_every_process_of_a_server_not_only_the_pid_files(tmp_path):
    """Two processes for one server (the pid file names one) both go."""
    state = tmp_path / "state"
    cfg = state / "zoo1" / "zoo.cfg"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("")
    # stand-ins with a server's command line; SIGTERM ends them as it ends a JVM
    twins = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                               "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)])
             for _ in range(2)]
    (cfg.parent / "pid").write_text(str(twins[0].pid))
    try:
        res = run(tmp_path, "down")
        assert res.returncode == 0, res.stderr
        for p in twins:
            p.wait(timeout=5)
    finally:
        for p in twins:
            p.kill()
    assert java_processes(tmp_path) == []
