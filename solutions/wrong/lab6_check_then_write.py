"""Checks the node and writes in two calls instead of one transaction: the node can go (the
session expires) between the check and the write, and the write then goes through."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('transaction',)
MUTATIONS = [
    ("    transaction = zk.transaction()\n    transaction.check(node, 0)                # version 0: our node, as it was created\n"
     "    transaction.set_data(path, data)\n    results = transaction.commit()\n"
     "    return not any(isinstance(r, Exception) for r in results)\n",
     "    if zk.exists(node) is None:\n        return False\n    zk.set(path, data)\n    return True\n"),
]
