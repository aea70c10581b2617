"""Tracing: watch a model compute, step by step, with the real numbers.

``nt.trace(model)`` records, for every training step, every neuron layer's input, weights, z, a and
all gradients, and the optimizer's update; ``Trace.explain`` turns one neuron's numbers into its
equations. See :mod:`nnteach.tracing.recorder`.
"""

from nnteach.tracing.recorder import StepList, Trace, neuron_layers, trace
from nnteach.tracing.records import LayerRecord, StepRecord
from nnteach.tracing.explain import PHASES, Explanation

__all__ = ["trace", "Trace", "StepList", "StepRecord", "LayerRecord", "Explanation", "PHASES", "neuron_layers"]

from nnteach.tracing.serialize import LoadedTrace, load_trace, trace_from_dict  # noqa: E402

__all__ += ["LoadedTrace", "load_trace", "trace_from_dict"]
