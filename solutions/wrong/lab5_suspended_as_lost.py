"""Treats SUSPENDED like LOST: after every suspension it abandons its node and creates a new one.

The session usually survives a suspension, and so does the old node: it stays in
the line as an orphan that nobody acts on.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('SUSPENDED',)
MUTATIONS = [
    ("            if state == KazooState.LOST:\n"
     "                self.watching = None\n",
     "            if state != KazooState.CONNECTED:\n"
     "                self.watching = None\n"
     "                self._session = None      # start over with a new node\n"),
]
