"""``python -m nnteach``: ``xor`` prints one traced training step neuron by neuron; ``check`` is lesson 0's
set-up check for a terminal."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import numpy as np

import nnteach as nt
from nnteach.__main__ import main, run_check, run_xor, xor_network


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_xor_prints_the_traced_step_with_the_numbers_of_the_trained_network():
    out = io.StringIO()
    run_xor(epochs=300, lr=1.0, seed=0, sample=1, out=out)
    text = out.getvalue()
    # the same training, redone here, then the traced step's forward pass in plain NumPy
    X, y = nt.data.xor()
    model = xor_network(rng=0)
    nt.Trainer(model, nt.BCELoss(), nt.SGD(model.parameters(), lr=1.0), rng=0).fit(X, y, epochs=300, verbose=0)
    sd = model.state_dict()
    z1 = X[1] @ sd["0.linear.weight"].T + sd["0.linear.bias"]  # (2,)
    a1 = _sigmoid(z1)
    z2 = a1 @ sd["1.linear.weight"].T + sd["1.linear.bias"]  # (1,)
    y_hat = _sigmoid(z2)[0]
    assert "One more training step on sample x = (0, 1), target 1, traced:" in text
    for header in ("FORWARD", "BACKWARD", "UPDATE"):
        assert f" {header} " in text
    assert f"σ(z⁽²⁾₁) = σ({z2[0]:.3f}) = {y_hat:.3f}".replace("-", "−") in text
    for j in range(2):  # each hidden neuron, forward and backward
        assert f"a⁽¹⁾{'₁₂'[j]} = σ(z⁽¹⁾{'₁₂'[j]}) = σ({z1[j]:.3f})".replace("-", "−") in text
        assert f"∂L/∂z⁽¹⁾{'₁₂'[j]} =" in text
    assert "∂L/∂z⁽²⁾₁ = " in text and "w⁽¹⁾₁₁ ←" in text  # backward and update of every layer
    assert re.search(r"After 300 epochs: loss \d\.\d{4}", text)


def test_python_dash_m_nnteach_runs_as_a_program():
    done = subprocess.run([sys.executable, "-m", "nnteach", "xor", "--epochs", "20"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{'=' * 24} UPDATE {'=' * 24}" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "nnteach", "xor", "--sample", "7"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "--sample: invalid choice: 7" in bad.stderr


def test_check_passes_where_the_course_can_run(shared_data):
    out = io.StringIO()
    assert run_check(out) == 0
    text = out.getvalue()
    assert text.startswith("nnteach set-up check: everything the course needs is here.")
    assert "  numpy >= 1.23: ok" in text and "  nnteach: ok (a 2-2-1 network computed XOR" in text
    assert f"California Housing (lesson 10): ok, read from NNTEACH_DATA_DIR={shared_data}" in text
    assert "Jupyter kernel" not in text  # a terminal is not a kernel: that line belongs to lesson 0 only


def test_check_fails_and_says_why_when_the_data_folder_is_wrong(monkeypatch, tmp_path):
    monkeypatch.setenv("NNTEACH_DATA_DIR", str(tmp_path))
    out = io.StringIO()
    assert run_check(out) == 1
    text = out.getvalue()
    assert text.startswith("nnteach set-up check: something is missing")
    assert "California Housing (lesson 10): CANNOT BE READ" in text and "cal_housing.data.gz" in text


def test_check_fails_when_a_required_package_is_missing(monkeypatch, shared_data):
    from nnteach.exercises import lesson00

    real = lesson00._installed
    monkeypatch.setattr(lesson00, "_installed", lambda module: None if module == "matplotlib" else real(module))
    out = io.StringIO()
    assert run_check(out) == 1
    assert "matplotlib >= 3.6: MISSING" in out.getvalue()


def test_check_is_a_command(shared_data, capsys):
    assert main(["check"]) == 0
    assert "everything the course needs is here" in capsys.readouterr().out
