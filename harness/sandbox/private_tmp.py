"""Enter a sandbox with a disk of its own: run as root, then become the sandbox's uid.

    python -I -S private_tmp.py HOME UID SIZE_MB -- PROGRAM ARGS...

The sandbox's uid can write in its home and in the machine's world-writable
folders (/tmp, /var/tmp, /dev/shm, /run/lock), and what it writes there would
outlive its grading: a submission that fills /tmp fills it for every later one.
So, in a mount namespace of its own, one tmpfs of SIZE_MB (and a bounded number
of files) is mounted on /tmp, and folders of it are bound onto the others and
onto HOME. Everything the sandbox can write is then in that one tmpfs: a full
disk is its own ``OSError: No space left on device``, and the tmpfs is gone when
the last process of the namespace ends (the jail kills every process of the uid
at the end of each lab). Its pages count in the slot's memory cgroup.

Standard library only, no site (it runs before anything of the workshop's is
importable as that uid). Exit 97: the namespace could not be made (a container
without CAP_SYS_ADMIN); the jail probes this once and then spawns without it.
"""
import ctypes
import os
import sys

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
CANNOT = 97
# the world-writable folders of a Debian or Ubuntu machine (where they exist)
SHARED = ("/var/tmp", "/dev/shm", "/run/lock")
FILES = 10_000


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    return libc


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        sys.stderr.write(f"private_tmp: {what}: {os.strerror(errno)}\n")
        sys.exit(CANNOT)


def enter(home: str, uid: int, size_mb: int) -> None:
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS), "unshare")
    # our mounts stay ours: none propagates back to the machine
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    opts = f"size={size_mb}m,nr_inodes={FILES},mode=1777".encode()
    _check(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", MS_NOSUID | MS_NODEV, opts), "tmpfs on /tmp")
    for place in (home, *SHARED):
        if not os.path.isdir(place):
            continue
        inside = "/tmp/." + place.strip("/").replace("/", "-")
        os.mkdir(inside, 0o700 if place == home else 0o1777)
        if place == home:
            os.chown(inside, uid, uid)
        else:
            os.chmod(inside, 0o1777)
        _check(libc.mount(inside.encode(), place.encode(), None, MS_BIND, None), f"bind {place}")
    os.chdir(home)


def main() -> None:
    home, uid, size_mb, sep, *program = sys.argv[1:]
    if sep != "--" or not program:
        sys.exit("usage: private_tmp.py HOME UID SIZE_MB -- PROGRAM ARGS...")
    uid = int(uid)
    enter(home, uid, int(size_mb))
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    os.execv(program[0], program)


if __name__ == "__main__":
    main()
