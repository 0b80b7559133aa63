"""Leads again after a reconnect because a node with its name is first, without checking the node is still its own.

While it was away its node may have been deleted and another session may have
created one with the same name: compare stat.ephemeralOwner with the session id.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('ephemeralOwner',)
MUTATIONS = [
    ("        if stat is None or stat.ephemeralOwner != session:\n",
     "        if stat is None:\n"),
]
