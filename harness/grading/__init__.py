"""Grading: from a submission's notebooks to its marks, for one learner or a class.

For ``pytest checks``, the notebooks' ``check()``, instructors and platforms.

    plugin        the pytest plugin behind ``pytest checks`` (one module per job)
    scoring       check outcomes -> the score table and the results JSON
    submissions   grade one submission in a process of its own
    batch         a class: many submissions at once on ensembles side by side
    regrade       what changed between two gradings of a class
    platforms     Gradescope, PrairieLearn, GitHub Classroom, Canvas: their formats
"""
