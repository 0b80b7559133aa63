"""A storm of real faults as data: drawn from a seed, told as text, played by the world.

    schedule = storm.draw(rng)                   # [Fault(t, action, target, arg)], seed only
    crowd = storm.Crowd(world, rec, "ResilientCandidate")
    for i in range(6):
        crowd.join(f"c{i}", proxied=i < 3)
    crowd.play(schedule)                         # each fault at its time, through the world
    print(storm.describe(schedule))

The schedule depends only on the random generator: a seed replays it exactly.
Faults are paced (each at its time after the start), never synchronised with
what the candidates do. The actions:

    kill N / start N      SIGKILL server N, start it again (never two down at once)
    expire c              a real expiry of candidate c's session
    cut c d / hold c d    close or stall c's link (a proxied candidate), healed d s later
    heal c                let c's link carry traffic again
    resign c              c resigns (it leaves the crowd)
    join c via            a new candidate joins, "proxy" or "direct"
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from harness.ensemble import EnsembleError
from harness.recipe import ELECTION, SESSION_TIMEOUT


@dataclass(frozen=True)
class Fault:
    t: float           # seconds after the storm's start
    action: str        # kill | start | expire | cut | hold | heal | resign | join
    target: str = ""   # the candidate it aims at ("" for a server's)
    arg: object = None  # the server's number, a duration, or "proxy" / "direct"

    def describe(self) -> str:
        return {"kill": f"kill zoo{self.arg}", "start": f"start zoo{self.arg}",
                "cut": f"cut {self.target}'s link for {self.arg} s",
                "hold": f"stall {self.target}'s link for {self.arg} s",
                "heal": f"heal {self.target}'s link", "expire": f"expire {self.target}'s session",
                "resign": f"{self.target} resigns",
                "join": f"{self.target} joins ({self.arg})"}[self.action]

    def mark(self) -> str:
        """How the recorder marks it (the timeline checker excuses what follows an
        "expire" aimed at a candidate)."""
        return " ".join(str(part) for part in (self.action, self.target, self.arg)
                        if part not in ("", None))


def draw(rng, duration: float = 20.0, initial: int = 6, proxied_initial: int = 3) -> list[Fault]:
    """A schedule drawn from ``rng`` only, so a seed replays it exactly."""
    active = [f"c{i}" for i in range(initial)]
    proxied = set(active[:proxied_initial])
    free_at = {n: 0.0 for n in active}     # when a candidate may take its next fault
    server_free_at, next_id = 0.0, initial
    events: list[Fault] = []
    t, bag = 0.5, []
    while t < duration:
        if not bag:         # every kind of fault comes round in each shuffled bag
            bag = ["kill", "expire", "expire", "cut", "hold", "resign", "join"]
            rng.shuffle(bag)
        kind = bag.pop()
        idle = [n for n in active if free_at[n] <= t]
        if kind == "kill" and t >= server_free_at:
            server, back = rng.randint(1, 3), t + rng.uniform(1.0, 3.5)
            events += [Fault(t, "kill", "", server), Fault(back, "start", "", server)]
            server_free_at = back + 1.5      # never two servers down: no planned quorum loss
        elif kind == "expire" and idle:
            n = rng.choice(idle)
            events.append(Fault(t, "expire", n))
            free_at[n] = t + 2.5
        elif kind in ("cut", "hold") and [n for n in idle if n in proxied]:
            n = rng.choice(sorted(n for n in idle if n in proxied))
            d = rng.uniform(0.3, 3.0)
            events += [Fault(t, kind, n, round(d, 2)), Fault(t + d, "heal", n)]
            free_at[n] = t + d + 0.5
        elif kind == "resign" and len(active) > 3 and idle:
            n = rng.choice(idle)
            events.append(Fault(t, "resign", n))
            active.remove(n)
        elif kind == "join" and len(active) < 9:
            n = f"c{next_id}"
            next_id += 1
            via_proxy = rng.random() < 0.5
            events.append(Fault(t, "join", n, "proxy" if via_proxy else "direct"))
            active.append(n)
            free_at[n] = t + 0.5
            if via_proxy:
                proxied.add(n)
        t += rng.uniform(0.5, 1.2)
    return sorted(events, key=lambda e: e.t)


def describe(schedule: list[Fault]) -> str:
    return "\n".join(f"  {f.t:6.2f}s  {f.describe()}" for f in schedule)


class Crowd:
    """Named candidates of one recorded election, each on a sandbox client of its own."""

    def __init__(self, world, rec, cls: str, path: str = ELECTION,
                 callbacks=("on_elected", "on_revoked"), timeout: float = SESSION_TIMEOUT):
        self.world, self.rec, self.cls, self.path = world, rec, cls, path
        self.callbacks, self.timeout = callbacks, timeout
        self.candidates: dict = {}
        self.clients: dict = {}
        self.gone: set[str] = set()

    @property
    def active(self) -> dict:
        return {n: c for n, c in self.candidates.items() if n not in self.gone}

    def join(self, name: str, proxied: bool = False):
        zk = self.world.client(timeout=self.timeout, proxied=proxied, label=name)
        cand = self.rec.add(self.world.candidate(self.cls, zk, self.path, label=name,
                                                 callbacks=self.callbacks))
        self.clients[name], self.candidates[name] = zk, cand
        cand.start()
        return cand

    def resign(self, name: str) -> None:
        self.candidates[name].resign()
        self.gone.add(name)

    def play(self, schedule: list[Fault]) -> float:
        """Each fault at its time after now, through the world; when the last one came."""
        start = time.monotonic()
        pause = threading.Event()
        for fault in schedule:
            pause.wait(max(0.0, start + fault.t - time.monotonic()))   # pacing only
            self.rec.mark(fault.mark(), fault.target)
            self.apply(fault)
        return start + (schedule[-1].t if schedule else 0.0)

    def apply(self, fault: Fault) -> None:
        world, action = self.world, fault.action
        if action == "kill":
            world.kill(fault.arg)
        elif action == "start":
            world.restart(fault.arg)
        elif action in ("cut", "hold", "heal"):
            getattr(world, action)(self.clients[fault.target])
        elif action == "expire":
            try:
                world.expire(self.clients[fault.target], timeout=5)
            except EnsembleError as e:
                self.rec.mark(f"expiry not confirmed: {e}", "")
        elif action == "resign":
            self.resign(fault.target)
        elif action == "join":
            self.join(fault.target, proxied=fault.arg == "proxy")
