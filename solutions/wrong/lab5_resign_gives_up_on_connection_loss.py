"""resign() tries its delete once: a connection lost in the middle leaves the node, for as long as the session lives.

The application's client lives on after resign(), so the session does too, and
the node left behind holds the election up (the others wait on it). The
starter's resign() did this until a class graded eight at a time showed it: the
storm's last resign met a dropped connection and nobody led after the healing.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('delete', 'again')
MUTATIONS = [
    ("            retry(self._delete_own, node, self._create_pending, self.guid)\n",
     "            self._delete_own(node, self._create_pending, self.guid)   # one try only\n"),
]
