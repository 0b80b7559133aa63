"""The learner's code runs here, in a process of its own, never in the grader.

``jail``: the unprivileged user, limits and end of that process; ``child``: the
process itself; ``host``: the grader's side (requests, answers, events);
``wire``: what may cross between them (JSON data, nothing executable). The
design note is ``docs/sandbox.md``.
"""
