"""register() creates the node but returns nothing."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('returned None', 'path')


def register(zk, path, data=b""):
    zk.create(path, data, ephemeral=True, makepath=True)


def owner_session(zk, path):
    stat = zk.exists(path)
    return None if stat is None else stat.ephemeralOwner
