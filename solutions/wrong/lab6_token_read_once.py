"""Reads the token once, at its first election, and keeps it: re-elected after its session
expired (a new node, a new term), it still sends its first term's token, older than the
term in between, and the store refuses every write it makes."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('read once',)
MUTATIONS = [
    ("        try:\n            return fencing_token(self.zk, self.node)\n        except Exception:\n            return None\n",
     "        if getattr(self, \"_first_token\", None) is None:\n"
     "            self._first_token = fencing_token(self.zk, self.node)\n"
     "        return self._first_token\n"),
]
