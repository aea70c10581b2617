"""Assertions shared by the exercise-checker tests: what a ✓, a ✗ and a "not attempted" look like."""


def assert_passed(feedback):
    assert feedback.passed is True, feedback.text
    assert feedback.text.startswith("✓")


def assert_failed(feedback, *fragments):
    """A ✗ whose message names every fragment (the specific mistake the checker recognised)."""
    assert feedback.passed is False, feedback.text
    assert feedback.text.startswith("✗")
    for fragment in fragments:
        assert fragment in feedback.message, feedback.text


def assert_not_attempted(feedback):
    assert feedback.passed is None, feedback.text
    assert "not attempted" in feedback.message


def not_implemented(*args, **kwargs):
    """A learner's starter function: ``raise NotImplementedError``."""
    raise NotImplementedError
