"""Steps down on SUSPENDED and LOST but never calls on_revoked().

is_leader turns False, but the application is never told: it goes on acting as
the leader while another candidate may already lead.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('on_revoked',)
MUTATIONS = [
    ("            self.is_leader = False\n"
     "            self._callback(self.on_revoked)\n",
     "            self.is_leader = False\n"),
]
