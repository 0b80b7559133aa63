"""Steps down on SUSPENDED and LOST but never calls on_revoked().

is_leader turns False, but the application is never told: it goes on acting as
the leader while another candidate may already lead. (The listener clears the
flag itself instead of calling the given _step_down(), which also tells.)
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('on_revoked',)
MUTATIONS = [
    ("                # Either way somebody else may lead now: stop at once.\n"
     "                self._step_down()\n",
     "                # Either way somebody else may lead now: stop at once.\n"
     "                self.is_leader = False\n"),
]
