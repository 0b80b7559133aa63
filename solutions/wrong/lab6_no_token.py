"""Sends no fencing token: FencedLeader.write trusts is_leader and writes without a token,
which a fenced store refuses (and an unfenced one would let a paused leader corrupt)."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('no token',)
MUTATIONS = [
    ("        return self.store.write(key, value, token=token)\n",
     "        return self.store.write(key, value)\n"),
]
