"""Does not handle the predecessor vanishing before the watch is set (NoNodeError escapes).

A wrong solution kept to prove that the checks catch it.
"""
# What the first failing row a learner meets must say (tests/test_checks_bite.py):
FIRST_WORDS = ('NoNodeError',)
MUTATIONS = [
    ('            except NoNodeError:\n'
     '                continue                         # it vanished meanwhile: read the children again\n',
     '            except ZeroDivisionError:\n'
     '                continue\n'),
]
