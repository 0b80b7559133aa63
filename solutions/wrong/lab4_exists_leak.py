"""Sets the predecessor watch with exists(), which leaves a watch behind on a node that is already gone.

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('exists()', 'leaked')
MUTATIONS = [
    ('            try:\n'
     '                self.zk.get(path, watch=watch)   # a data read: no watch is left if it is gone\n'
     '            except NoNodeError:\n'
     '                continue                         # it vanished meanwhile: read the children again\n',
     '            if self.zk.exists(path, watch=watch) is None:\n'
     '                continue                         # gone: read again (but the watch stays behind)\n'),
]
