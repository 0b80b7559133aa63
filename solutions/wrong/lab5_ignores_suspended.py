"""Keeps leading while SUSPENDED: steps down only when the session is LOST.

A suspended leader cannot know whether its session still lives; another
candidate may already lead. (It also acts and takes the lead while suspended,
without checking that the connection stayed the same meanwhile.)
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('SUSPENDED',)
MUTATIONS = [
    # the listener steps down on LOST only
    ("            if state != KazooState.CONNECTED:\n"
     "                # SUSPENDED: our session may or may not live; LOST: it is gone.\n"
     "                # Either way somebody else may lead now: stop at once.\n",
     "            if state == KazooState.LOST:       # SUSPENDED: \"it will probably come back\"\n"),
    # the worker runs while SUSPENDED too
    ("            if self._stopped or self.zk.state != KazooState.CONNECTED:\n"
     "                return        # nothing to do until we are connected\n",
     "            if self._stopped or self.zk.state == KazooState.LOST:\n"
     "                return\n"),
    # and takes the lead while SUSPENDED, whatever happened meanwhile
    ("            if self._stopped or epoch != self._epoch or self.zk.state != KazooState.CONNECTED:\n",
     "            if self._stopped or self.zk.state == KazooState.LOST:\n"),
]
