"""On NoNodeError it decides again by recursion, then the outer call sets is_leader = False.

When the predecessor that vanished was the leader's node, the inner call
leads (is_leader True, on_elected called) and the outer one undoes it: the
candidate was told it leads, reports is_leader False, and nobody leads.
A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('recursive',)
MUTATIONS = [
    ('            except NoNodeError:\n'
     '                continue                         # it vanished meanwhile: read the children again\n',
     '            except NoNodeError:                  # it vanished meanwhile: decide again\n'
     '                if self._decide():\n'
     '                    self._announce()\n'
     '                self.is_leader = False           # we were not first when we looked\n'
     '                return False\n'),
]
