"""What a check says when it fails: a ``CheckFailure`` whose message a learner can act on.

The message says what was expected, what happened and where to look. A check
raises it (``expect``) only for a cause it has verified; a symptom it cannot
attribute is said as a symptom, with the likely causes.
"""
from __future__ import annotations


class CheckFailure(AssertionError):
    """A check did not hold; the message is written for the learner."""


def expect(condition, message: str) -> None:
    if not condition:
        raise CheckFailure(message)


def short(value, limit: int = 160) -> str:
    """A value as a learner reads it in a message: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
