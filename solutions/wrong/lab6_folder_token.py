"""Takes the election folder's token instead of its own node's: every term shares it, so a
paused leader's write, already under way when its term ended, is accepted after the next
leader's (writing after on_revoked: the race a paused process creates)."""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('same token',)
MUTATIONS = [
    ("            return fencing_token(self.zk, self.node)\n",
     "            return fencing_token(self.zk, self.election_path)\n"),
]
