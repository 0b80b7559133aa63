"""When the predecessor is already gone as the watch is set, the candidate assumes it leads.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('read the children again',)
MUTATIONS = [
    ('                continue                         # it vanished meanwhile: read the children again\n',
     '                was_leader = self.is_leader\n'
     '                self.is_leader, self.watching = True, None\n'
     '                return not was_leader\n'),
]
