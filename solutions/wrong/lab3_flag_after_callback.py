"""on_elected() is called before is_leader is set to True.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('before calling on_elected',)
MUTATIONS = [
    ('            was_leader = self.is_leader\n'
     '            self.is_leader, self.watching = True, None\n',
     '            was_leader = self.is_leader\n'
     '            if not was_leader and self.on_elected is not None:\n'
     '                self.on_elected()\n'
     '            self.is_leader, self.watching = True, None\n'),
    ('            return not was_leader\n',
     '            return False\n'),
]
