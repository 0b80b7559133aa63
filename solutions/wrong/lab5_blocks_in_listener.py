"""Does the election's ZooKeeper calls inside the state listener, on kazoo's connection thread.

The reply to such a call is read by the very thread that waits for it: the client
hangs at the first reconnect. The listener must only wake the worker.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('connection thread', 'listener')
MUTATIONS = [
    ("        self._wake.set()      # CONNECTED: the worker looks again (same or new session)\n",
     "        if state == KazooState.CONNECTED:\n"
     "            self._step()      # look at the election right here, at once\n"),
]
