"""register() creates the parent folder with create() every time, so a second node in an existing folder fails."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('NodeExistsError',)


def register(zk, path, data=b""):
    parent = path.rsplit("/", 1)[0]
    if parent:
        zk.create(parent, makepath=True)
    return zk.create(path, data, ephemeral=True)


def owner_session(zk, path):
    stat = zk.exists(path)
    return None if stat is None else stat.ephemeralOwner
