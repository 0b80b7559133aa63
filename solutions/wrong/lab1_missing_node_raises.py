"""owner_session() lets NoNodeError escape for a missing node instead of returning None."""


def register(zk, path, data=b""):
    return zk.create(path, data, ephemeral=True, makepath=True)


def owner_session(zk, path):
    _data, stat = zk.get(path)
    return stat.ephemeralOwner
