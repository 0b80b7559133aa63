"""docs/performance.md is written by the tools that measure, never by hand.

Each measuring verb run with ``--publish`` replaces its own section of the page
with today's figures, the date, the machine and the command that measured them:

    <!-- figures: bench -->
    ... what `python -m harness bench --publish` measured ...
    <!-- /figures: bench -->

A section holds today's figures only; the history of a figure is git's.
"""
from __future__ import annotations

import os
import platform
import re
import time

from harness import manifest

PAGE = manifest.REPO / "docs" / "performance.md"


def machine() -> str:
    """The machine in one line: cores, memory, Python, the servers' ZooKeeper."""
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        mem = f", {kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return (f"{os.cpu_count()} cores{mem}, Python {platform.python_version()}, "
            f"ZooKeeper {zookeeper_version()}")


def zookeeper_version() -> str:
    try:
        from harness.ensemble import Ensemble, fourlw
        ens = Ensemble()
        text = fourlw.parse_srvr(ens.fourlw(ens.serving()[0], "srvr")).get("Zookeeper version", "?")
        # "3.8.0-${mvngit.commit.id}, built on ...": Debian's build leaves the
        # placeholder of the commit id unexpanded; the release is what matters
        return text.split(",")[0].split("-$")[0]
    except Exception:
        return "?"


def publish(section: str, title: str, command: str, body: str, page=PAGE) -> None:
    """Replace ``section`` of the page (or add it at the end) with these figures."""
    block = (f"<!-- figures: {section} -->\n### {title}\n\n"
             f"Measured {time.strftime('%Y-%m-%d')} ({machine()}) with `{command}`:\n\n"
             f"{body.rstrip()}\n<!-- /figures: {section} -->")
    text = page.read_text() if page.exists() else "# Performance\n"
    pattern = re.compile(rf"<!-- figures: {re.escape(section)} -->.*?<!-- /figures: "
                         rf"{re.escape(section)} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    page.write_text(text)
