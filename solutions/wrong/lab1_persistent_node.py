"""register() creates a persistent node (ephemeral=True forgotten)."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('ephemeral=True',)


def register(zk, path, data=b""):
    return zk.create(path, data, makepath=True)


def owner_session(zk, path):
    stat = zk.exists(path)
    return None if stat is None else stat.ephemeralOwner
