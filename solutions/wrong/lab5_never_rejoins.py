"""After its session expires, never takes part again (no new node with the new session).

Its node died with the old session; kazoo gives the client a new session, and
a candidate must volunteer again with it (a new node, at the back of the line).
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('volunteer again',)
MUTATIONS = [
    ("        if self._session != session:\n"
     "            self._forget_node(session)    # our old node (if any) died with our old session\n",
     "        if self._session is None:\n"
     "            self._forget_node(session)    # our first session: our first node\n"
     "        elif self._session != session:\n"
     "            return                        # our session is gone: so is our part in the election\n"),
]
