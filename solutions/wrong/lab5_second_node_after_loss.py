"""After a connection loss during its create, creates a second node instead of looking for its guid.

The first create succeeded on the server; the orphan stays as long as the session.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('find_own', 'guid')
MUTATIONS = [
    ("        if self._create_pending:\n"
     "            # The create may have happened and only its reply got lost: the\n"
     "            # session lived on, so the node did too. Look for our guid.\n"
     "            mine = find_own(self.zk.get_children(self.election_path), self.guid)\n"
     "            if mine is not None:\n"
     "                self._adopt(f\"{self.election_path}/{mine}\")\n"
     "                return\n",
     ""),
]
