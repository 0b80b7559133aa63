"""Watches the predecessor with kazoo's DataWatch, which keeps firing after resign() and re-arms itself with exists() on the deleted node: the watched path is gone and the watch leaked.

The DataWatch's function never returns False, so kazoo keeps the watch going
for ever: when the predecessor is deleted it calls exists() with a watch on the
path that is now gone, which stays on the server, also after the candidate has
resigned. A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('leaked',)
MUTATIONS = [
    ('            try:\n'
     '                self.zk.get(path, watch=watch)   # a data read: no watch is left if it is gone\n'
     '            except NoNodeError:\n'
     '                continue                         # it vanished meanwhile: read the children again\n',
     '            if self.zk.exists(path) is None:\n'
     '                continue                         # it vanished meanwhile: read the children again\n'
     '\n'
     '            def on_data(data, stat, event=None, watch=watch):\n'
     '                if event is not None and stat is None:      # the predecessor is gone\n'
     '                    watch(event)\n'
     '\n'
     '            from kazoo.recipe.watchers import DataWatch\n'
     '            DataWatch(self.zk, path, on_data)    # kazoo keeps watching it for us\n'),
]
