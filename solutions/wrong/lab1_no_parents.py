"""register() does not create missing parent folders (no makepath)."""


def register(zk, path, data=b""):
    return zk.create(path, data, ephemeral=True)


def owner_session(zk, path):
    stat = zk.exists(path)
    return None if stat is None else stat.ephemeralOwner
