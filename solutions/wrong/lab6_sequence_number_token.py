"""Takes the node's sequence number as the token: it restarts at 0 when the election folder
is deleted and created again, so the next leader's token is lower than the last one's."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('sequence number',)
MUTATIONS = [
    ("    stat = zk.exists(node)\n    if stat is None:\n        raise NoNodeError(node)\n    return stat.czxid\n",
     "    if zk.exists(node) is None:\n        raise NoNodeError(node)\n    return int(node.rsplit(\"-n_\", 1)[1])\n"),
]
