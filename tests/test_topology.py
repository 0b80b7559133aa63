"""docker-compose.yml and the local launcher describe one topology."""
import yaml

from harness import topology
from harness.manifest import REPO


def test_compose_file_is_generated_from_the_topology():
    assert (REPO / "docker-compose.yml").read_text() == topology.compose_yaml(), \
        "docker-compose.yml differs from harness/topology.py: run `python -m harness.topology compose > docker-compose.yml`"


def test_compose_parses_with_three_zookeeper_services_on_loopback():
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = doc["services"]
    assert sorted(services) == ["zoo1", "zoo2", "zoo3"]
    for i, (name, svc) in enumerate(sorted(services.items()), start=1):
        assert svc["image"].startswith("zookeeper:3.9."), svc["image"]
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
    from harness import fourlw
    with pytest.raises(fourlw.FourLetterWordError):
        fourlw.ask(ensemble.address(1), "dump")
