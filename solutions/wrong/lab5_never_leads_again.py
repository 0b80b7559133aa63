"""After a suspension, never looks at the election again: a leader that lost its connection for a moment never leads again.

It steps down on SUSPENDED, but on CONNECTED (same session) it waits for a watch
that will never fire: its node is still first and nothing changes.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('take part again',)
MUTATIONS = [
    ("        self._wake.set()      # CONNECTED: the worker looks again (same or new session)\n",
     "        if state == KazooState.LOST:\n"
     "            self._wake.set()  # a new session needs a new node; otherwise we wait for our watch\n"),
]
