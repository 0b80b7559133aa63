"""Lets go of the lock before reading the children in its watch callback: a resign() that lands meanwhile is ignored, and the candidate leads after it resigned.

The callback checks that the candidate still takes part, then (to keep the lock
short while it talks to ZooKeeper) reads the children and decides without the
lock, never looking again: a resign() that ran during the read is overwritten.
A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('lock',)
MUTATIONS = [
    ('                return                          # a leader waits for nothing: it does not watch again\n'
     '            try:\n'
     '                elected = self._look()\n'
     '            except Exception:                   # connection trouble: Lab 5\'s business\n'
     '                return\n'
     '        if elected:\n',
     '                return                          # a leader waits for nothing: it does not watch again\n'
     '        try:                                    # no lock held while we talk to ZooKeeper\n'
     '            elected = self._look()\n'
     '        except Exception:                       # connection trouble: Lab 5\'s business\n'
     '            return\n'
     '        if elected:\n'),
]
