"""Four-letter words: ZooKeeper's plain-text admin questions over the client port.

Each query opens a socket, sends four letters, and reads until the server
closes. Only the words in ``topology.FOUR_LETTER_WORDS`` are whitelisted.
"""
from __future__ import annotations

import re
import socket

from harness.ensemble import topology


class FourLetterWordError(RuntimeError):
    pass


def ask(address: str, word: str, timeout: float = 2.0) -> str:
    """Send ``word`` to ``host:port`` and return the answer as text."""
    if word not in topology.FOUR_LETTER_WORDS:
        raise FourLetterWordError(
            f"'{word}' is not in the ensemble's whitelist {topology.FOUR_LETTER_WORDS}")
    host, port = address.rsplit(":", 1)
    chunks = []
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(word.encode())
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    text = b"".join(chunks).decode(errors="replace")
    if "is not executed because it is not in the whitelist" in text:
        raise FourLetterWordError(f"{address} refused '{word}': {text.strip()}")
    return text


def parse_srvr(text: str) -> dict[str, str]:
    """``srvr`` → {'Mode': 'leader', 'Zxid': '0x..', ...}."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def parse_mntr(text: str) -> dict[str, str]:
    """``mntr`` → {'zk_packets_received': '12', ...} (tab-separated lines)."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("\t")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _parse_listing(text: str) -> dict[str, set[str]]:
    """wchp/wchc share one shape: a header line, then tab-indented members."""
    out: dict[str, set[str]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith(("\t", " ")):
            if current is not None:
                out[current].add(line.strip())
        else:
            current = line.strip()
            out.setdefault(current, set())
    return out


def parse_wchp(text: str) -> dict[str, set[int]]:
    """``wchp`` → {path: {session ids watching it}}."""
    return {path: {int(s, 16) for s in sids}
            for path, sids in _parse_listing(text).items() if path.startswith("/")}


def parse_wchc(text: str) -> dict[int, set[str]]:
    """``wchc`` → {session id: {paths it watches}}."""
    return {int(sid, 16): paths
            for sid, paths in _parse_listing(text).items() if sid.startswith("0x")}


# mntr's per-event counters of watch notifications a server delivered (each
# summed over every event of that type since the server started).
WATCH_NOTIFICATION_COUNTERS = ("zk_sum_node_deleted_watch_count", "zk_sum_node_children_watch_count",
                               "zk_sum_node_created_watch_count", "zk_sum_node_changed_watch_count")

_CONS_SID = re.compile(r"sid=0x([0-9a-f]+)")


def parse_cons(text: str) -> set[int]:
    """``cons`` → the session ids connected to this server."""
    return {int(m.group(1), 16) for m in _CONS_SID.finditer(text)}
