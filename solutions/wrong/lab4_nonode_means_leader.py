"""When the predecessor is already gone as the watch is set, the candidate assumes it leads.

A wrong solution kept to prove that the checks catch it.
"""
MUTATIONS = [
    ('                continue                         # it vanished meanwhile: read the children again\n',
     '                was_leader = self.is_leader\n'
     '                self.is_leader, self.watching = True, None\n'
     '                return not was_leader\n'),
]
