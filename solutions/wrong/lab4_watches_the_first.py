"""Every candidate that does not lead watches the first node (the leader's), and says so in `watching`.

A wrong solution kept to prove that the checks catch it. A learner's walk met
it (docs/learner-walkthrough.md): `path` built from the first of the sorted
children instead of the predecessor.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('the leader', 'just before')
MUTATIONS = [
    ('            path = f"{self.election_path}/{before}"\n',
     '            path = f"{self.election_path}/{sort_candidates(children)[0]}"\n'),
]
