"""Exercise checkers for the course notebooks: specific feedback, and they never raise.

Each lesson has its own module (``nnteach.exercises.lesson05``...) with ``check_*`` functions. A
checker runs the learner's answer (a value or a function) against the reference computed by
nnteach itself, and returns a :class:`Feedback` that prints one clear verdict: what is right, or
the first quantity that disagrees and the likely mistake. An unsolved exercise (``None`` or a
function that raises ``NotImplementedError``) gets a friendly "not attempted yet", so a notebook
with open exercises still runs top to bottom.
"""

from nnteach.exercises.feedback import Feedback, compare_arrays, guarded

__all__ = ["Feedback", "compare_arrays", "guarded"]
