"""nnteach's speed benchmarks: the same five training runs in nnteach, PyTorch and plain NumPy.

Run them with ``python -m benchmarks`` (see ``benchmarks/README.md``). This file imports nothing on
purpose: ``python -m benchmarks`` runs it before ``__main__.py``, and ``__main__.py`` must pin every
math library to one thread before NumPy or PyTorch is first imported.
"""
