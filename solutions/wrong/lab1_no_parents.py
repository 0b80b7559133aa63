"""register() does not create missing parent folders (no makepath)."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('makepath',)


def register(zk, path, data=b""):
    return zk.create(path, data, ephemeral=True)


def owner_session(zk, path):
    stat = zk.exists(path)
    return None if stat is None else stat.ephemeralOwner
