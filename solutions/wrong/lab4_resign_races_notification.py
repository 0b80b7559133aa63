"""Lets go of the lock before deciding in its watch callback: a resign() that lands while it reads the children is ignored, and the candidate leads after it resigned.

The callback checks that the watch is current, then (to keep the lock short
while it talks to ZooKeeper) reads the children and decides without the lock,
never looking again: a resign() that ran during the read is overwritten.
A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('lock',)
MUTATIONS = [
    ('                if not self._active or generation != self._generation:\n'
     '                    return\n'
     '                try:\n'
     '                    elected = self._decide()\n'
     '                except Exception:               # connection trouble: Lab 5\'s business\n'
     '                    return\n',
     '                if not self._active or generation != self._generation:\n'
     '                    return\n'
     '            try:                                # no lock held while we talk to ZooKeeper\n'
     '                elected = self._decide()\n'
     '            except Exception:                   # connection trouble: Lab 5\'s business\n'
     '                return\n'),
]
