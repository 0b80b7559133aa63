"""docker-compose.yml and the local launcher describe one topology."""
import yaml

from harness.ensemble import topology
from harness.manifest import REPO


def test_compose_file_is_generated_from_the_topology():
    assert (REPO / "docker-compose.yml").read_text() == topology.compose_yaml(), \
        "docker-compose.yml differs from harness/ensemble/topology.py: run `python -m harness compose > docker-compose.yml`"


def test_compose_parses_with_three_zookeeper_services_on_loopback():
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    # Compose v1 (Debian's docker-compose 1.29) rejects a top-level `name:`:
    # the project name lives in .env (and the harness passes -p)
    assert set(doc) == {"services", "networks"}
    services = doc["services"]
    assert sorted(services) == ["zoo1", "zoo2", "zoo3"]
    for i, (name, svc) in enumerate(sorted(services.items()), start=1):
        # the official image by default; ZK_IMAGE names the workshop's own where it cannot be pulled
        assert svc["image"] == "${ZK_IMAGE:-zookeeper:3.9.4}", svc["image"]
        assert svc["ports"] == [f"127.0.0.1:{2180 + i}:2181"], "client port must bind 127.0.0.1 only"
        env = svc["environment"]
        assert env["ZOO_MY_ID"] == str(i)
        assert env["ZOO_SERVERS"].split() == [f"server.{j}=zoo{j}:2888:3888;2181" for j in (1, 2, 3)]
        assert env["ZOO_4LW_COMMANDS_WHITELIST"] == "srvr,mntr,wchc,wchp,cons"
        assert env["ZOO_ADMINSERVER_ENABLED"] == "false"
        assert env["ZOO_TICK_TIME"] == "200"
        assert svc["restart"] == "no"
        assert "srvr" in " ".join(svc["healthcheck"]["test"]) and "leader|follower" in " ".join(svc["healthcheck"]["test"])


def test_local_config_matches_the_compose_settings(tmp_path):
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    env = doc["services"]["zoo1"]["environment"]
    cfg = dict(line.split("=", 1) for line in
               topology.local_zoo_cfg(topology.servers(0)[0], str(tmp_path)).splitlines())
    assert cfg["tickTime"] == env["ZOO_TICK_TIME"]
    assert cfg["initLimit"] == env["ZOO_INIT_LIMIT"]
    assert cfg["syncLimit"] == env["ZOO_SYNC_LIMIT"]
    assert cfg["maxClientCnxns"] == env["ZOO_MAX_CLIENT_CNXNS"]
    assert cfg["4lw.commands.whitelist"] == env["ZOO_4LW_COMMANDS_WHITELIST"]
    assert cfg["admin.enableServer"] == env["ZOO_ADMINSERVER_ENABLED"]
    extra = env["ZOO_CFG_EXTRA"].split()     # the image appends each word to zoo.cfg
    assert f"forceSync={cfg['forceSync']}" in extra
    assert f"maxSessionTimeout={cfg['maxSessionTimeout']}" in extra
    assert f"snapCount={cfg['snapCount']}" in extra
    assert env["JVMFLAGS"].split() == list(topology.SERVER_JVM_FLAGS)
    assert cfg["autopurge.snapRetainCount"] == env["ZOO_AUTOPURGE_SNAPRETAINCOUNT"]
    assert cfg["autopurge.purgeInterval"] == env["ZOO_AUTOPURGE_PURGEINTERVAL"]
    assert cfg["clientPortAddress"] == "127.0.0.1"
    assert cfg["clientPort"] == "2181"
    assert [cfg[f"server.{s.id}"] for s in topology.SERVERS] == [
        f"127.0.0.1:{s.peer_port}:{s.election_port}" for s in topology.SERVERS]


def test_the_whitelist_holds_only_what_the_harness_sends():
    import pathlib
    import re
    sent = set()
    for path in pathlib.Path(REPO / "harness").rglob("*.py"):
        sent |= set(re.findall(r"""fourlw\(\s*\w+,\s*["'](\w{4})["']""", path.read_text()))
        sent |= set(re.findall(r"""ask\([^)]*["'](\w{4})["']""", path.read_text()))
    assert sent <= set(topology.FOUR_LETTER_WORDS)
    assert {"srvr", "mntr", "wchc", "wchp", "cons"} <= set(topology.FOUR_LETTER_WORDS)
    assert len(topology.FOUR_LETTER_WORDS) == 5


def test_refused_word_is_reported(ensemble):
    import pytest

    from harness.ensemble import fourlw
    with pytest.raises(fourlw.FourLetterWordError):
        fourlw.ask(ensemble.address(1), "dump")


def test_dotenv_names_the_compose_project():
    assert (REPO / ".env").read_text() == topology.dotenv(), \
        ".env differs from harness/ensemble/topology.py: run `python -m harness compose --dotenv > .env`"
    assert f"COMPOSE_PROJECT_NAME={topology.COMPOSE_PROJECT}" in (REPO / ".env").read_text().splitlines()


def test_a_private_compose_file_differs_only_in_its_ports_and_subnet():
    base = yaml.safe_load(topology.compose_yaml(0))
    shifted = yaml.safe_load(topology.compose_yaml(15000))
    assert base["networks"]["default"]["ipam"]["config"] == [{"subnet": "172.30.0.0/24"}]
    assert shifted["networks"]["default"]["ipam"]["config"] == [{"subnet": "172.30.150.0/24"}]
    for i in (1, 2, 3):
        svc, moved = base["services"][f"zoo{i}"], shifted["services"][f"zoo{i}"]
        assert moved["ports"] == [f"127.0.0.1:{17180 + i}:2181"]
        # a fixed address per server: a restarted server comes back where its peers remember it
        assert svc["networks"] == {"default": {"ipv4_address": f"172.30.0.{10 + i}"}}
        assert moved["networks"] == {"default": {"ipv4_address": f"172.30.150.{10 + i}"}}
        assert {k: v for k, v in moved.items() if k not in ("ports", "networks")} == \
            {k: v for k, v in svc.items() if k not in ("ports", "networks")}


def test_compose_project_is_one_per_offset_unless_named(setting):
    setting("COMPOSE_PROJECT_NAME", None)
    assert topology.compose_project(0) == "zk-election-workshop"
    assert topology.compose_project(15000) == "zk-election-workshop-15000"
    setting("COMPOSE_PROJECT_NAME", "zkw-dev")
    assert topology.compose_project(15000) == "zkw-dev"


def test_the_image_entrypoint_reads_every_variable_the_compose_file_sets():
    entrypoint = (REPO / "docker" / "entrypoint.sh").read_text()
    env = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["zoo1"]["environment"]
    for key in env:
        assert "${" + key in entrypoint or "$" + key in entrypoint, f"docker/entrypoint.sh ignores {key}"
    for key in ("ZOO_MY_ID", "ZOO_SERVERS", "ZOO_TICK_TIME", "ZOO_INIT_LIMIT", "ZOO_SYNC_LIMIT",
                "ZOO_MAX_CLIENT_CNXNS", "ZOO_4LW_COMMANDS_WHITELIST", "ZOO_ADMINSERVER_ENABLED",
                "ZOO_STANDALONE_ENABLED", "ZOO_CFG_EXTRA"):
        assert key in entrypoint


def test_every_private_ensemble_stays_below_the_ephemeral_ports():
    """An outgoing connection can take any port in 32768-60999: a private ensemble there
    fails now and then for no reason of its own (`make test` once lost port 33888)."""
    import pytest

    from harness import settings
    offsets = set(settings.RESERVED_OFFSETS + settings.SIDE_OFFSETS + settings.TEST_OFFSETS)
    low, _ = topology.ephemeral_port_range()
    for offset in offsets:
        for s in topology.servers(offset):
            assert max(s.client_port, s.peer_port, s.election_port) < low, (offset, s)
    with pytest.raises(ValueError, match="ephemeral"):
        topology.servers(30000)
