"""owner_session() returns the asking client's own session id instead of the node's owner."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('ephemeralOwner',)


def register(zk, path, data=b""):
    return zk.create(path, data, ephemeral=True, makepath=True)


def owner_session(zk, path):
    if zk.exists(path) is None:
        return None
    return zk.client_id[0]
