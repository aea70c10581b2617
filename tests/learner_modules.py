"""Modules a learner might write, shared by the tests that check nnteach accepts them."""

import nnteach as nt


class Cube(nt.Activation):  # the public name, as the lessons and Activation's docstring write it
    """A learner's own activation, a = z**3: a subclass of Activation with its forward and backward."""

    def forward(self, x):
        x = self._checked_input(x)
        self._cache = x
        return x**3

    def backward(self, grad_output):
        return grad_output * 3 * self._cached(grad_output) ** 2
