"""Watches the right node but never sets `watching` (it stays None).

A wrong solution kept to prove that the checks catch it.
"""
MUTATIONS = [
    ('            self.watching = path\n',
     ''),
]
