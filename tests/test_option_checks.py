"""Options are checked where they are given: LambdaCallback functions (D), ``python -m nnteach xor`` flags (E),
``nt.init.init_weight`` arguments (F) and yes/no options (G)."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import nnteach as nt
from nnteach.__main__ import MAX_EPOCHS, MAX_HIDDEN, main


# ----------------------------------------------------------------------------- D: LambdaCallback
@pytest.mark.parametrize("name, fn, call", [
    ("on_epoch_end", lambda epoch, logs: None, "on_epoch_end(trainer, epoch, logs), with 3 arguments, but "
                                               "<lambda>(epoch, logs) cannot take them"),
    ("on_batch_end", lambda trainer, loss: None, "on_batch_end(trainer, batch, loss), with 3 arguments, but "
                                                 "<lambda>(trainer, loss) cannot take them"),
    ("on_train_begin", lambda: None, "on_train_begin(trainer), with 1 argument, but <lambda>() cannot take it"),
    ("on_train_end", lambda trainer, extra: None, "on_train_end(trainer), with 1 argument"),
])
def test_lambda_callback_checks_the_signature_at_construction(name, fn, call):
    with pytest.raises(TypeError, match=re.escape(f"LambdaCallback: {name} is called as {call}")) as info:
        nt.LambdaCallback(**{name: fn})
    assert "Give it these parameters (e.g. " in str(info.value)


def test_lambda_callback_refuses_what_is_not_a_function():
    with pytest.raises(TypeError, match=re.escape(
            "LambdaCallback: expected on_epoch_end to be a function called as on_epoch_end(trainer, epoch, logs), "
            "got str 'print'. Pass the function itself (e.g. on_epoch_end=lambda trainer, epoch, logs: ...).")):
        nt.LambdaCallback(on_epoch_end="print")


def test_lambda_callback_accepts_what_can_be_called_that_way():
    def with_default(trainer, epoch, logs, extra=None):
        pass

    class Recorder:
        def __init__(self):
            self.epochs = []

        def __call__(self, trainer, epoch, logs):
            self.epochs.append(epoch)

    record = Recorder()
    nt.LambdaCallback(on_epoch_end=with_default, on_batch_end=lambda *args: None)
    nt.LambdaCallback(on_epoch_end=print)  # a builtin: trusted when its signature cannot be read
    X, y = nt.data.xor()
    model = nt.Sequential(nt.Dense(2, 2, "tanh", rng=0), nt.Dense(2, 1, "sigmoid", rng=0))
    trainer = nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=0.5), rng=0)
    trainer.fit(X, y, epochs=3, verbose=0, callbacks=[nt.LambdaCallback(on_epoch_end=record)])
    assert record.epochs == [0, 1, 2]


# ----------------------------------------------------------------------------- E: python -m nnteach xor
@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], f"argument --epochs: expected a whole number from 1 to {MAX_EPOCHS:,}, got 0"),
    (["--epochs", str(MAX_EPOCHS + 1)], f"argument --epochs: expected a whole number from 1 to {MAX_EPOCHS:,}"),
    (["--epochs", "2.5"], "argument --epochs: expected a whole number from 1 to 100,000, got '2.5'"),
    (["--seed", "-1"], "argument --seed: expected a whole number >= 0, got -1"),
    (["--hidden", "0"], f"argument --hidden: expected a whole number from 1 to {MAX_HIDDEN}, got 0"),
    (["--hidden", "100000"], "argument --hidden: expected a whole number from 1 to 16, got 100000"),
    (["--lr", "0"], "argument --lr: expected a finite number > 0 such as 1.0 or 0.5, got '0'"),
    (["--lr", "-0.5"], "argument --lr: expected a finite number > 0"),
    (["--lr", "nan"], "argument --lr: expected a finite number > 0 such as 1.0 or 0.5, got 'nan'"),
    (["--lr", "inf"], "argument --lr: expected a finite number > 0 such as 1.0 or 0.5, got 'inf'"),
    (["--lr", "fast"], "argument --lr: expected a finite number > 0 such as 1.0 or 0.5, got 'fast'"),
])
def test_xor_command_refuses_bad_options_with_an_argparse_error(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["xor", *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: python -m nnteach xor" in err and message in err
    assert "Traceback" not in err


def test_xor_command_accepts_the_edges_of_the_ranges(capsys):
    assert main(["xor", "--epochs", "1", "--hidden", str(MAX_HIDDEN), "--seed", "0", "--lr", "1e-3"]) == 0
    out = capsys.readouterr().out
    assert f"XOR with a 2-{MAX_HIDDEN}-1 sigmoid network" in out and "After 1 epochs" in out


def test_xor_command_bad_option_from_a_terminal_is_exit_status_2():
    done = subprocess.run([sys.executable, "-m", "nnteach", "xor", "--hidden", "0"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "argument --hidden: expected a whole number from 1 to 16, got 0" in done.stderr


# ----------------------------------------------------------------------------- F: init_weight
@pytest.mark.parametrize("args, error, message", [
    (("xavier", 2, 3, "seed"), TypeError, "init_weight: expected rng/seed to be None, a non-negative int or a "
                                          "numpy.random.Generator, got str 'seed'."),
    (("he", 0, 3, np.random.default_rng(0)), ValueError, "init_weight: expected fan_in (the number of inputs) >= 1, "
                                                        "got 0."),
    (("xavier", 2, 0, 0), ValueError, "init_weight: expected fan_out (the number of neurons) >= 1, got 0."),
    (("xavier", 2.0, 3, 0), TypeError, "init_weight: expected fan_in (the number of inputs) to be an integer, "
                                       "got float 2.0."),
    (("he", 2, 3, 0, "float16"), ValueError, "init_weight: expected dtype np.float32 or np.float64, got 'float16'."),
])
def test_init_weight_checks_its_arguments(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        nt.init.init_weight(*args)


def test_init_weight_takes_an_int_seed_like_every_rng_argument():
    # an int seed used to fail with AttributeError: 'int' object has no attribute 'uniform'
    w = nt.init.init_weight("xavier", 2, 3, 0)
    assert w.shape == (3, 2) and w.dtype == np.float64
    np.testing.assert_array_equal(w, nt.init.init_weight("xavier", 2, 3, np.random.default_rng(0)))
    assert np.abs(w).max() <= np.sqrt(6 / 5)
    np.testing.assert_array_equal(nt.Linear(2, 3, rng=0).weight.data, w)  # the layer draws the same


# ----------------------------------------------------------------------------- G: yes/no options
def _model():
    return nt.Sequential(nt.Linear(2, 2, rng=0), nt.Sigmoid(), nt.Linear(2, 1, rng=0))


def test_trace_include_eval_must_be_true_or_false():
    with pytest.raises(TypeError, match=re.escape("nt.trace: expected include_eval to be True or False, got str 'no'.")):
        nt.trace(_model(), include_eval="no")
    assert nt.trace(_model(), include_eval=np.bool_(True)).include_eval is True


def test_gradcheck_check_input_must_be_true_or_false():
    x, y = np.ones((2, 2)), np.zeros((2, 1))
    with pytest.raises(TypeError, match=re.escape("nt.gradcheck: expected check_input to be True or False, "
                                                  "got str 'no'.")):
        nt.gradcheck(_model(), nt.MSELoss(), x, y, check_input="no")
    result = nt.gradcheck(_model(), nt.MSELoss(), x, y, check_input=False)
    assert "input" not in [row.name for row in result.rows]


def test_module_train_mode_must_be_true_or_false():
    model = _model()
    with pytest.raises(TypeError, match=re.escape("Sequential.train: expected mode to be True or False, got str 'no'.")):
        model.train("no")
    assert all(m.training is True for m in model.modules())  # unchanged by the refused call
    assert model.train(False) is model and not any(m.training for m in model.modules())
    assert all(m.training is True for m in model.train().modules())  # PyTorch's train(mode=True)
    assert model.train(mode=np.bool_(False)).training is False
