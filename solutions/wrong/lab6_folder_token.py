"""Takes the election folder's token instead of its own node's: every term shares it, so a
paused leader's write, already under way when its term ended, is accepted after the next
leader's (writing after on_revoked: the race a paused process creates)."""
MUTATIONS = [
    ("            return fencing_token(self.zk, self.node)\n",
     "            return fencing_token(self.zk, self.election_path)\n"),
]
