"""The one description of the three-node ensemble.

Both backends are rendered from these values: the local launcher writes a
zoo.cfg per server from them, and ``docker-compose.yml`` is generated from them
(``python -m harness compose``); a test proves the committed compose
file is exactly what this module renders.
"""
from __future__ import annotations

from dataclasses import dataclass

from harness import settings

HOST = "127.0.0.1"

# 200 ms ticks: sessions may ask for 0.4 s .. 30 s (MAX_SESSION_TIMEOUT_MS), so a session
# expiry in a check costs about a second instead of the default 30 s.
TICK_TIME_MS = 200
MAX_SESSION_TIMEOUT_MS = 30_000
INIT_LIMIT = 25          # ticks a follower may take to sync with a new leader (5 s)
SYNC_LIMIT = 10          # ticks a follower may lag before it is dropped (2 s)
MAX_CLIENT_CNXNS = 2000  # per client IP: the benchmark runs 500 sessions from loopback

# Only the four-letter words the harness sends (ZooKeeper refuses the rest):
#   srvr  mode (leader/follower) and latency   - status, health checks
#   mntr  counters (requests, watches)         - benchmark, status
#   wchc  watches by session                   - watch checks
#   wchp  watches by path                      - watch checks, live view
#   cons  connections and their sessions       - which server a client is on
FOUR_LETTER_WORDS = ("srvr", "mntr", "wchc", "wchp", "cons")

DOCKER_IMAGE = "zookeeper:3.9.4"
# The compose file names the image through ${ZK_IMAGE:-...}: the harness sets
# ZK_IMAGE to the workshop's own Debian-built image where the official one cannot
# be pulled (harness/ensemble/image.py); the rest of the file is the same for both.
COMPOSE_IMAGE = "${ZK_IMAGE:-%s}" % DOCKER_IMAGE
# The Compose project (so its containers' com.docker.compose.project label). Not a
# top-level `name:` in the file, which Compose v1 rejects: `.env` sets it for
# `docker compose`/`docker-compose` run in this folder; the harness passes `-p`.
COMPOSE_PROJECT = "zk-election-workshop"
SERVER_HEAP_MB = 256     # each server's Java heap, as for the local JVMs (-Xmx256m)
# Each server's JVM, both backends (JVMFLAGS in Compose). Fault checks restart
# servers all the time, so a JVM rarely lives long enough to repay C2's
# compiling: with C1 alone (TieredStopAtLevel=1) a restart costs 0.7 s of CPU
# instead of 1.5 s, and grading one finished submission 21 s of machine CPU
# instead of 27 s (measured with the solutions; a teaching load needs no peak speed).
#
# The servers enforce each namespace's quota (world/quotas.py). jute.maxbuffer,
# the most a server reads in one piece, from a client, a peer or its own log,
# must hold the largest transaction a namespace can cause: closing a session
# lists every ephemeral path it held, up to the quota's nodes times the 16 KiB
# a submission's request may carry (the grader's proxies bound that,
# ensemble/watch_limits.py): 4 MiB. At 16 KiB, servers could not load a log
# holding one such transaction of 33 KiB and never came back.
JUTE_MAXBUFFER = 8 * 1024 * 1024
SERVER_JVM_FLAGS = ("-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1",
                    "-Dzookeeper.enforceQuota=true", f"-Djute.maxbuffer={JUTE_MAXBUFFER}")
# Each container keeps one address on the Compose network. Docker hands a
# restarted container the lowest free address, so two servers killed and
# started in another order swap addresses; the survivor keeps the addresses it
# resolved while they answer, and took up to 25 s to form a quorum again
# (measured here). With fixed addresses: 2-3.5 s, as with the local JVMs.
DOCKER_SUBNET_PREFIX = "172.30"


@dataclass(frozen=True)
class Server:
    id: int               # ZooKeeper's myid, 1..3
    client_port: int      # on HOST, for both backends
    peer_port: int        # quorum traffic (local backend; 2888 inside a container)
    election_port: int    # leader election (local backend; 3888 inside a container)

    @property
    def name(self) -> str:
        return f"zoo{self.id}"

    @property
    def address(self) -> str:
        return f"{HOST}:{self.client_port}"


def ephemeral_port_range() -> tuple[int, int]:
    """The ports Linux hands to outgoing connections (32768-60999 unless tuned)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def servers(offset: int = 0) -> tuple[Server, ...]:
    """The three servers; ``offset`` shifts every port (a second, private ensemble).

    Every port must stay below the ephemeral range: a port in it can be taken at
    any moment by some process's outgoing connection, and a private ensemble
    then fails to start ("port 33888 is taken") for no reason of its own.
    """
    out = tuple(Server(i, 2180 + offset + i, 2887 + offset + i, 3887 + offset + i)
                for i in (1, 2, 3))
    low, high = ephemeral_port_range()
    for s in out:
        for port in (s.client_port, s.peer_port, s.election_port):
            if not 1024 <= port < low:
                raise ValueError(
                    f"port offset {offset} puts {s.name}'s port {port} outside 1024-{low - 1}, "
                    f"the ports no outgoing connection can take (Linux's ephemeral range is "
                    f"{low}-{high}): choose an offset of at most {low - 3891}")
    return out


# ZK_WORKSHOP_PORT_OFFSET runs a second ensemble beside the usual one; the workshop
# itself always uses offset 0 (the offsets in use: harness.settings).
PORT_OFFSET = settings.current().port_offset
SERVERS = servers(PORT_OFFSET)


def connection_string() -> str:
    return ",".join(s.address for s in SERVERS)


def common_settings() -> dict[str, str]:
    """zoo.cfg settings shared by every server of both backends."""
    return {
        "tickTime": str(TICK_TIME_MS),
        "initLimit": str(INIT_LIMIT),
        "syncLimit": str(SYNC_LIMIT),
        "maxClientCnxns": str(MAX_CLIENT_CNXNS),
        # Checks ask for sessions of 1-4 s; the benchmark's 500-candidate herd needs
        # longer ones to survive its own join storm (150 ticks = 30 s).
        "maxSessionTimeout": str(MAX_SESSION_TIMEOUT_MS),
        "4lw.commands.whitelist": ",".join(FOUR_LETTER_WORDS),
        "admin.enableServer": "false",
        # A teaching ensemble on loopback: skip fsync so a write costs
        # microseconds of disk, not milliseconds (latency figures stay readable).
        "forceSync": "no",
        # A server that starts replays every transaction logged since its last
        # snapshot. ZooKeeper's default (a snapshot every ~100,000 transactions)
        # let a long-lived teaching ensemble replay hundreds of logs (160 MB) at
        # each restart of a fault check: ~4 s of CPU and 2 s before it served.
        # Not much lower: a snapshot taken while a grading run deletes its
        # namespaces can be one ZooKeeper 3.8 cannot load (ZOOKEEPER-4846; at a
        # snapshot every ~1,000 a server was lost so every few minutes of
        # grading; the local backend deletes such a database, local.database_broken).
        "snapCount": "10000",
        # ...and old snapshots and logs are deleted hourly (the default keeps them all).
        "autopurge.snapRetainCount": "3",
        "autopurge.purgeInterval": "1",
    }


def local_zoo_cfg(server: Server, data_dir: str) -> str:
    """The zoo.cfg of one server of the local (no Docker) backend."""
    lines = [f"dataDir={data_dir}", f"clientPort={server.client_port}",
             f"clientPortAddress={HOST}"]
    lines += [f"{k}={v}" for k, v in common_settings().items()]
    lines += [f"server.{s.id}={HOST}:{s.peer_port}:{s.election_port}" for s in SERVERS]
    return "\n".join(lines) + "\n"


def compose_project(offset: int | None = None) -> str:
    """This ensemble's Compose project name: COMPOSE_PROJECT_NAME, or one per offset.

    A private ensemble on an offset gets a project of its own by default, so
    bringing it up never recreates the workshop's own containers.
    """
    offset = PORT_OFFSET if offset is None else offset
    name = settings.current().compose_project
    if name:
        return name
    return COMPOSE_PROJECT if offset == 0 else f"{COMPOSE_PROJECT}-{offset}"


def docker_subnet(offset: int = 0) -> str:
    """The Compose network of the ensemble on ``offset``: one /24 per offset."""
    return f"{DOCKER_SUBNET_PREFIX}.{(offset // 100) % 256}"


def compose_yaml(offset: int = 0) -> str:
    """docker-compose.yml for the same topology (the official image, or ZK_IMAGE).

    ``offset`` shifts the published client ports, for a private ensemble beside
    the usual one; the committed file is offset 0. The file works with both
    Compose generations: no top-level ``name:`` (v1 rejects it) and nothing that
    needs ``up --wait`` (the harness waits for a quorum through ``srvr``).
    """
    published = servers(offset)
    subnet = docker_subnet(offset)
    zoo_servers = " ".join(f"server.{s.id}={s.name}:2888:3888;2181" for s in published)
    out = _compose_header(offset) + ["services:"]
    for s in published:
        out += _compose_service(s, zoo_servers, subnet)
    out += [
        "networks:",
        "  default:",
        "    # fixed addresses: a restarted server comes back where its peers remember it",
        "    ipam:",
        "      config:",
        f"        - subnet: {subnet}.0/24",
    ]
    return "\n".join(out) + "\n"


def _compose_header(offset: int) -> list[str]:
    out = [
        "# Generated by `python -m harness compose` from harness/ensemble/topology.py.",
        "# Do not edit by hand: tests/test_topology.py fails when the two disagree.",
        "# Three ZooKeeper servers, client ports on 127.0.0.1 only, 200 ms ticks,",
        "# a four-letter-word whitelist holding only what the harness sends, no admin",
        "# server, and no restart policy: the harness decides when a killed server",
        "# comes back. For Compose v1 (docker-compose) and v2 (docker compose) alike;",
        f"# the project name ({COMPOSE_PROJECT}) comes from .env or -p.",
        f"# The image: {DOCKER_IMAGE}, or ZK_IMAGE (the workshop's own, built from",
        "# Debian's packages by `make docker-image` where the official cannot be pulled).",
    ]
    if offset:
        out.append(f"# A private ensemble: client ports shifted by {offset}.")
    return out


def _compose_service(s: Server, zoo_servers: str, subnet: str) -> list[str]:
    """One server's service: the official image's variables, carrying common_settings()."""
    cfg = common_settings()
    return [
        f"  {s.name}:",
        f"    image: {COMPOSE_IMAGE}",
        f"    hostname: {s.name}",
        '    restart: "no"',
        "    ports:",
        f'      - "{HOST}:{s.client_port}:2181"',
        "    environment:",
        f'      ZOO_MY_ID: "{s.id}"',
        f'      ZOO_SERVERS: "{zoo_servers}"',
        f'      ZOO_TICK_TIME: "{cfg["tickTime"]}"',
        f'      ZOO_INIT_LIMIT: "{cfg["initLimit"]}"',
        f'      ZOO_SYNC_LIMIT: "{cfg["syncLimit"]}"',
        f'      ZOO_MAX_CLIENT_CNXNS: "{cfg["maxClientCnxns"]}"',
        f'      ZOO_4LW_COMMANDS_WHITELIST: "{cfg["4lw.commands.whitelist"]}"',
        f'      ZOO_ADMINSERVER_ENABLED: "{cfg["admin.enableServer"]}"',
        '      ZOO_STANDALONE_ENABLED: "false"',
        f'      ZOO_AUTOPURGE_SNAPRETAINCOUNT: "{cfg["autopurge.snapRetainCount"]}"',
        f'      ZOO_AUTOPURGE_PURGEINTERVAL: "{cfg["autopurge.purgeInterval"]}"',
        f'      ZOO_CFG_EXTRA: "forceSync={cfg["forceSync"]} '
        f'maxSessionTimeout={cfg["maxSessionTimeout"]} snapCount={cfg["snapCount"]}"',
        f'      ZK_SERVER_HEAP: "{SERVER_HEAP_MB}"',
        f'      JVMFLAGS: "{" ".join(SERVER_JVM_FLAGS)}"',
        "    networks:",
        "      default:",
        f"        ipv4_address: {subnet}.{10 + s.id}",
        "    healthcheck:",
        "      # srvr must answer with a quorum role, not just an open port.",
        "      test: [\"CMD-SHELL\", \"echo srvr | nc -w 2 127.0.0.1 2181 | grep -Eq 'Mode: (leader|follower)'\"]",
        "      interval: 2s",
        "      timeout: 3s",
        "      retries: 15",
    ]


def dotenv() -> str:
    """The committed .env: Compose reads it (both generations) when run in this folder."""
    return ("# Read by `docker compose` and `docker-compose` run in this folder (generated by\n"
            "# `python -m harness compose --dotenv`): the project name, which docker-compose.yml\n"
            "# cannot carry for Compose v1. The environment overrides it.\n"
            f"COMPOSE_PROJECT_NAME={COMPOSE_PROJECT}\n")
