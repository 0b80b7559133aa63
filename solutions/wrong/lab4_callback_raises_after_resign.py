"""Forgets its node on resign(), and its watch callback reads the node's name before checking that it still takes part: a stale watch that fires after resign() raises on kazoo's event thread.

Nothing else goes wrong: the exception stops the callback before it decides or
watches anything, and kazoo logs it and drops it. The candidate never leads
again and leaves no watch behind, so only the report of the exception itself
shows that a callback of a resigned candidate still ran and did something.
A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('stale watch', 'resign')
MUTATIONS = [
    ('            with self._lock:\n'
     '                if not self._active or generation != self._generation:\n'
     '                    return\n',
     '            with self._lock:\n'
     '                mine = self.node.rsplit("/", 1)[1]   # which node am I?\n'
     '                if not self._active or generation != self._generation:\n'
     '                    return\n'),
    ('            try:\n'
     '                self.zk.delete(self.node)\n'
     '            except NoNodeError:\n'
     '                pass\n',
     '            try:\n'
     '                self.zk.delete(self.node)\n'
     '            except NoNodeError:\n'
     '                pass\n'
     '            self.node = None                     # forget it: it is gone\n'),
]
