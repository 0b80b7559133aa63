"""The checks' world: what a check is written with.

For check authors (checks/, an instructor's hidden checks). It drives the
learner's code through the sandbox and the servers through the ensemble; it
never runs the learner's code itself.

    world          ``World``: the one door of a check (learner's side, truth, faults)
    grading_run    ``Grading``: what one grading run's checks share (sandboxes, credentials)
    secrets        the grader's credential, the learner's, the key of the sandbox's seed
    verdicts       ``CheckFailure``, ``expect``, ``short``: a failure a learner can act on
    reads          the grader's own clients, reading the truth after a sync
    elections      the oracles of labs 3-4: a fleet of candidates, one leader, counts
    joins          candidates joining one at a time (labs 3-5)
    resign_races   resign() racing a notification: seeded trials (labs 3-4)
    timeline       the election's invariants, checked on a timeline (pure)
    recorder       a timeline recorded from the sandboxes' reports (lab 5)
    storm          a fault schedule as data, and the crowd it is played on (lab 5)
    namespaces     each check's own znode, under a digest ACL and a quota, deleted afterwards
    quotas         what a namespace may hold: ZooKeeper's quota, enforced by the servers
    lockdown       a grading ensemble: everything outside the namespaces read-only
"""
from harness.world.verdicts import CheckFailure, expect, short
from harness.world.world import World

__all__ = ["CheckFailure", "World", "expect", "short"]
