"""register() creates the node but returns nothing."""


def register(zk, path, data=b""):
    zk.create(path, data, ephemeral=True, makepath=True)


def owner_session(zk, path):
    stat = zk.exists(path)
    return None if stat is None else stat.ephemeralOwner
