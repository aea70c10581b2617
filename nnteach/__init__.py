"""nnteach: build a neural network from scratch in NumPy, and watch it think.

A small PyTorch-flavoured framework for learning how neural networks work::

    import nnteach as nt
    X, y = nt.data.xor()
    model = nt.Sequential(nt.Linear(2, 3), nt.Tanh(), nt.Linear(3, 1), nt.Sigmoid())
    trainer = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.5))
    trainer.fit(X, y, epochs=2000, verbose=0)

The math lives in :mod:`nnteach.functional`; modules keep state and call it. ``import nnteach``
needs only NumPy: plotting and widgets are imported when first used.
"""

__version__ = "0.1.0"

from nnteach._rng import seed
from nnteach.module import Module, Parameter
from nnteach.layers import Dense, Linear
from nnteach.activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnteach.losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, Loss, MSELoss
from nnteach.optim import SGD, Adam, Optimizer
from nnteach.model import Sequential
from nnteach.callbacks import Callback, EarlyStopping, History, LambdaCallback
from nnteach.training import Trainer, TrainingDiverged
from nnteach.saving import ModelFileError, load, save
from nnteach.gradcheck import gradcheck
from nnteach.tracing import Trace, load_trace, trace
from nnteach.torch_bridge import to_torch  # imports PyTorch only when called
from nnteach import data, functional, init, plotting  # plotting imports matplotlib only when it draws

__all__ = [
    "Module", "Parameter", "Linear", "Dense", "Activation", "Identity", "ReLU", "LeakyReLU", "Sigmoid", "Tanh",
    "Softmax", "Loss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
    "Optimizer", "SGD", "Adam", "Sequential", "Trainer", "TrainingDiverged", "History", "Callback",
    "EarlyStopping", "LambdaCallback", "save", "load", "ModelFileError", "gradcheck", "seed",
    "data", "functional", "init", "plotting", "trace", "Trace", "load_trace", "to_torch", "__version__",
]
