"""owner_session() lets NoNodeError escape for a missing node instead of returning None."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('NoNodeError', 'None')


def register(zk, path, data=b""):
    return zk.create(path, data, ephemeral=True, makepath=True)


def owner_session(zk, path):
    _data, stat = zk.get(path)
    return stat.ephemeralOwner
