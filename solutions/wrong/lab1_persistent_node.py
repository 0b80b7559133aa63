"""register() creates a persistent node (ephemeral=True forgotten)."""


def register(zk, path, data=b""):
    return zk.create(path, data, makepath=True)


def owner_session(zk, path):
    stat = zk.exists(path)
    return None if stat is None else stat.ephemeralOwner
