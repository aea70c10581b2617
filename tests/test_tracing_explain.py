"""``Trace.explain``: one neuron's equations with the recorded numbers, as text, HTML and LaTeX."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

import nnteach as nt
from nnteach.tracing import PHASES
from test_tracing_reference import ARCH_NAMES, ARCHS


def fmt(v: float, digits: int = 3) -> str:
    """How the explanation writes a rounded number: fixed decimals and the Unicode minus."""
    return f"{v:.{digits}f}".replace("-", "−")


# ----------------------------------------------------------------------------- the worked example
@pytest.fixture
def worked():
    """The classic XOR-ish network: two sigmoid hidden units, a sigmoid output, BCE, x = (0, 1), y = 1."""
    model = nt.Sequential(nt.Linear(2, 2, rng=0), nt.Sigmoid(), nt.Linear(2, 1, rng=0), nt.Sigmoid())
    model.load_state_dict({"0.weight": [[5.0, 5.0], [5.0, 5.0]], "0.bias": [-2.5, -7.5],
                           "2.weight": [[10.0, -10.0]], "2.bias": [-5.0]})
    loss_fn, opt = nt.BCELoss(), nt.SGD(model.parameters(), lr=0.1)
    with nt.trace(model) as tr:
        opt.zero_grad()
        loss_fn(model(np.array([[0.0, 1.0]])), np.array([[1.0]]))
        model.backward(loss_fn.backward())
        opt.step()
    return tr


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_worked_example_records_the_textbook_numbers(worked):
    hidden, out = worked.steps[0].layers
    np.testing.assert_allclose(hidden.z, [[2.5, -2.5]], rtol=1e-12)
    assert np.round(hidden.a, 3).tolist() == [[0.924, 0.076]]
    assert round(float(out.a[0, 0]), 3) == 0.970
    y_hat = out.a[0, 0]
    # with BCE after a sigmoid, the gradient at the output pre-activation is exactly ŷ − y
    assert out.grad_z[0, 0] == pytest.approx(y_hat - 1.0, rel=1e-12)


def test_worked_example_forward_text_shows_every_number(worked):
    h1 = worked.explain(0, 0, 0, phase="forward").text
    h2 = worked.explain(0, 0, 1, phase="forward").text
    o = worked.explain(0, 1, 0, phase="forward").text
    assert "5·0 + 5·1 + (−2.5) = 2.5" in h1
    assert "σ(2.5) = 0.924" in h1
    assert "5·0 + 5·1 + (−7.5) = −2.5" in h2
    assert "σ(−2.5) = 0.076" in h2
    assert "10·0.924 + (−10)·0.076 + (−5)" in o
    y_hat = sigmoid(10 * sigmoid(2.5) - 10 * sigmoid(-2.5) - 5)
    assert f"σ({fmt(10 * sigmoid(2.5) - 10 * sigmoid(-2.5) - 5)}) = 0.970" in o
    assert "ŷ = a⁽²⁾₁ = 0.970" in o
    assert f"L = {fmt(-np.log(y_hat))}" in o and "BCELoss" in o
    assert h1.startswith("Step 0 · forward · layer 1 of 2 (hidden 1, sigmoid) · neuron 1 of 2 · sample 1 of 1")


def test_worked_example_backward_text_shows_every_number(worked):
    y_hat = sigmoid(10 * sigmoid(2.5) - 10 * sigmoid(-2.5) - 5)
    dz_out = y_hat - 1.0
    o = worked.explain(0, 1, 0, phase="backward").text
    assert "(0.970 − 1)" in o
    assert f"= {fmt(dz_out)}" in o  # ∂L/∂z = ŷ − y
    assert "with BCE the two cancel" in o
    assert f"∂L/∂w⁽²⁾₁₁ = ∂L/∂z⁽²⁾₁·a⁽¹⁾₁ = ({fmt(dz_out)})·0.924 = {fmt(dz_out * sigmoid(2.5))}" in o
    h1 = worked.explain(0, 0, 0, phase="backward").text
    da = dz_out * 10.0
    dz = da * sigmoid(2.5) * (1 - sigmoid(2.5))
    assert f"∂L/∂a⁽¹⁾₁ = ∂L/∂z⁽²⁾₁·w⁽²⁾₁₁ = ({fmt(dz_out)})·10 = {fmt(da)}" in h1
    assert f"({fmt(da)})·0.924·(1 − 0.924) = {fmt(dz)}" in h1
    assert f"∂L/∂w⁽¹⁾₁₂ = ∂L/∂z⁽¹⁾₁·x₂ = ({fmt(dz)})·1 = {fmt(dz)}" in h1


def test_worked_example_update_text_shows_every_number(worked):
    y_hat = sigmoid(10 * sigmoid(2.5) - 10 * sigmoid(-2.5) - 5)
    dz = (y_hat - 1.0) * 10.0 * sigmoid(2.5) * (1 - sigmoid(2.5))
    h1 = worked.explain(0, 0, 0, phase="update").text
    assert f"w⁽¹⁾₁₂ ← w⁽¹⁾₁₂ − η·∂L/∂w⁽¹⁾₁₂ = 5 − 0.1·({fmt(dz)}) = {fmt(5 - 0.1 * dz)}" in h1
    assert f"b⁽¹⁾₁ ← b⁽¹⁾₁ − η·∂L/∂b⁽¹⁾₁ = −2.5 − 0.1·({fmt(dz)}) = {fmt(-2.5 - 0.1 * dz)}" in h1
    assert "w⁽¹⁾₁₁ ← w⁽¹⁾₁₁ − η·∂L/∂w⁽¹⁾₁₁ = 5 − 0.1·0 = 5" in h1
    assert "η = 0.1" in h1
    assert "10.003" in worked.explain(0, 1, 0, phase="update").text


def html_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "\n", markup))


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("layer, neuron", [(0, 0), (0, 1), (1, 0)])
def test_html_shows_the_same_lines_as_the_text(worked, phase, layer, neuron):
    e = worked.explain(0, layer, neuron, phase=phase)
    markup = e._repr_html_()
    assert markup.startswith("<div") and markup.endswith("</div>")
    shown = html_text(markup)
    for line in e.text.splitlines():
        body = line.strip().split("    (")[0]  # the equation, without its note
        assert body in shown, body


def test_html_shows_the_worked_numbers(worked):
    markup = worked.explain(0, 0, 1, phase="forward")._repr_html_()
    for number in ("2.5", "−2.5", "−7.5", "0.076"):
        assert number in markup
    assert "0.970" in worked.explain(0, 1, 0, phase="backward")._repr_html_()


def test_html_escapes_what_it_shows():
    # A ReLU unit's note reads "z = 0.5 > 0": the ">" must reach the page as "&gt;".
    model = nt.Sequential(nt.Linear(1, 1, rng=0), nt.ReLU(), nt.Linear(1, 1, rng=0))
    model.load_state_dict({"0.weight": [[1.0]], "0.bias": [0.0], "2.weight": [[1.0]], "2.bias": [0.0]})
    loss_fn = nt.MSELoss()
    with nt.trace(model) as tr:
        loss_fn(model(np.array([[0.5]])), np.array([[0.0]]))
        model.backward(loss_fn.backward())
    e = tr.explain(0, 0, 0, phase="backward")
    assert "z = 0.5 > 0" in e.text
    markup = e._repr_html_()
    assert "0.5 &gt; 0" in markup and "0.5 > 0" not in markup
    assert html_text(markup).count("z = 0.5 > 0") == 1


@pytest.mark.parametrize("phase", PHASES)
def test_latex_is_one_display_array_with_the_same_numbers(worked, phase):
    for layer, neuron in [(0, 0), (0, 1), (1, 0)]:
        e = worked.explain(0, layer, neuron, phase=phase)
        latex = e._repr_latex_()
        assert latex.startswith(r"$$\begin{array}{l}") and latex.endswith(r"\end{array}$$")
        assert latex.count("{") == latex.count("}")
        assert latex.count(r" \\ ") == len(e.lines)  # one row per line, after the title row
        assert "_{" in latex and "^{(" in latex  # w^{(1)}_{1,2}, not Unicode sub/superscripts
        # every number of the text's equations is in the LaTeX too, with an ASCII minus
        for line in e.lines:
            if line.kind == "eq":
                for number in re.findall(r"−?\d+(?:\.\d+)?", "".join(p.text for p in line.parts)):
                    assert number.replace("−", "-") in line.latex, (number, line.latex)
    fwd = worked.explain(0, 0, 1, phase="forward")._repr_latex_()
    assert r"\sigma\left(-2.5\right) = 0.076" in fwd  # ASCII minus inside the math
    assert "z^{(1)}_{2}" in fwd
    back = worked.explain(0, 1, 0, phase="backward")._repr_latex_()
    assert r"\frac{\partial L}{\partial z^{(2)}_{1}}" in back and "0.970" in back
    upd = worked.explain(0, 0, 0, phase="update")._repr_latex_()
    assert r"\leftarrow" in upd and r"\eta" in upd and "-2.498" in upd


# ----------------------------------------------------------------------------- asking for what does not exist
def test_explain_names_the_valid_range_of_every_index(worked):
    with pytest.raises(IndexError, match=r"step 1 does not exist; valid steps: 0\.\.0"):
        worked.explain(1, 0, 0)
    with pytest.raises(IndexError, match=r"layer 2 does not exist; valid layers are 0\.\.1 \(0 = hidden 1, 1 = output\)"):
        worked.explain(0, 2, 0)
    with pytest.raises(IndexError, match=r"neuron 2 does not exist; valid neurons are 0\.\.1"):
        worked.explain(0, 0, 2)
    with pytest.raises(IndexError, match=r"neuron -1 does not exist; valid neurons are 0\.\.0"):
        worked.explain(0, 1, -1)
    with pytest.raises(IndexError, match=r"sample 1 does not exist; valid samples are 0\.\.0"):
        worked.explain(0, 0, 0, sample=1)
    with pytest.raises(ValueError, match=r"unknown phase 'backwards'\. Valid phases: 'forward', 'backward', 'update'"):
        worked.explain(0, 0, 0, phase="backwards")
    with pytest.raises(TypeError, match="expected layer to be an int"):
        worked.explain(0, 0.0, 0)


def test_backward_and_update_need_a_step_that_had_them():
    model = nt.Sequential(nt.Linear(2, 2, rng=0), nt.Tanh(), nt.Linear(2, 1, rng=1))
    loss_fn = nt.MSELoss()
    X, y = np.ones((3, 2)), np.zeros((3, 1))
    with nt.trace(model) as tr:
        model(X)  # forward only
        loss_fn(model(X), y)  # forward, loss and backward, no update
        model.backward(loss_fn.backward())
    assert "z⁽¹⁾₁" in tr.explain(0, 0, 0, phase="forward").text
    with pytest.raises(ValueError, match="step 0 has no backward pass recorded"):
        tr.explain(0, 0, 0, phase="backward")
    with pytest.raises(ValueError, match="step 0 has no optimizer update recorded"):
        tr.explain(0, 0, 0, phase="update")
    assert "∂L/∂z⁽¹⁾₁" in tr.explain(1, 0, 0, phase="backward").text
    with pytest.raises(ValueError, match="step 1 has no optimizer update recorded"):
        tr.explain(1, 1, 0, phase="update")


def test_explain_takes_a_step_record_and_defaults_to_the_newest_step(worked):
    assert worked.explain(worked.steps[0], 0, 1).text == worked.explain(0, 0, 1).text
    # two steps with different inputs: the default is the newest, step 1, layer 0, neuron 0, forward
    model = nt.Sequential(nt.Linear(2, 2, rng=0), nt.Sigmoid(), nt.Linear(2, 1, rng=1), nt.Sigmoid())
    with nt.trace(model) as tr:
        model(np.array([[0.0, 1.0]]))
        model(np.array([[1.0, 1.0]]))
    newest, oldest = tr.explain(1, 0, 0, phase="forward").text, tr.explain(0, 0, 0, phase="forward").text
    assert newest != oldest
    assert tr.explain().text == newest and newest.startswith("Step 1 · forward · layer 1")
    assert "x = (1, 1)" in newest.splitlines()[0]


def test_digits_sets_the_decimals_shown(worked):
    assert "σ(2.5) = 0.92414" in worked.explain(0, 0, 0, digits=5).text


# ----------------------------------------------------------------------------- every model, every neuron
@pytest.fixture
def rng():
    return np.random.default_rng(99)


def traced_momentum_step(arch, rng, n=3):
    model = arch.build(rng)
    X, y, _ = arch.data(rng, n)
    loss_fn, opt = arch.loss_fn(), nt.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with nt.trace(model) as tr:
        for _ in range(2):
            opt.zero_grad()
            loss_fn(model(X), y)
            model.backward(loss_fn.backward())
            opt.step()
    return tr


@pytest.mark.parametrize("arch_name", ARCH_NAMES)
def test_every_neuron_of_every_model_can_be_explained_in_every_phase(arch_name, rng):
    tr = traced_momentum_step(ARCHS[arch_name], rng)
    step = tr.steps[-1]
    for layer, rec in enumerate(step.layers):
        for neuron in range(rec.out_features):
            for phase in PHASES:
                e = tr.explain(-1, layer, neuron, sample=2, phase=phase)
                text = e.text
                # a negative number right after an operator is written in parentheses: "+ (−2.5)"
                assert not re.search(r"(\+ |− |·)−\d", text), text
                # layer superscripts are all superscript digits: w⁽¹⁾, never w⁽1⁾
                assert not re.search(r"⁽\d", text), text
                assert "+  +" not in text and "+ … +  +" not in text, text
                assert e._repr_latex_().count("{") == e._repr_latex_().count("}")
                if phase == "forward":
                    assert fmt(rec.z[2, neuron]) in text or f"{rec.z[2, neuron]:.3g}".replace("-", "−") in text
                if phase == "update":
                    assert "momentum=0.9" in text and "Δ" in text


def test_wide_layers_are_abbreviated_with_one_ellipsis(rng):
    model = nt.Sequential(nt.Linear(10, 8, rng=rng), nt.Tanh(), nt.Linear(8, 7, rng=rng), nt.Tanh(),
                          nt.Linear(7, 1, rng=rng), nt.Sigmoid())
    loss_fn, opt = nt.BCELoss(), nt.SGD(model.parameters(), lr=0.1)
    X, y = rng.normal(size=(3, 10)), np.array([[1.0], [0.0], [1.0]])
    with nt.trace(model) as tr:
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
        opt.step()
    fwd = tr.explain(0, 0, 1, phase="forward")
    assert "w⁽¹⁾₂₄·x₄ + … + w⁽¹⁾₍2,10₎·x₍10₎ + b⁽¹⁾₂" in fwd.text
    assert r"x_{4} + \dots + w^{(1)}_{2,10}" in fwd._repr_latex_()
    # the next layer has 7 neurons: dL/da of a hidden unit sums over them, abbreviated the same way
    back = tr.explain(0, 0, 1, phase="backward").text
    assert "∂L/∂z⁽²⁾₄·w⁽²⁾₄₂ + … + ∂L/∂z⁽²⁾₇·w⁽²⁾₇₂ = " in back
    assert "+  +" not in back
    assert re.search(r"∂L/∂w⁽¹⁾₂ = \[(−?[0-9.e−]+, ){6}…\]", back)  # the batch sum row is cut short visibly
    upd = tr.explain(0, 0, 1, phase="update")
    lines = upd.text.splitlines()
    assert sum(line.strip() == "…" for line in lines) == 1  # the skipped weights are marked
    assert any(line.strip().startswith("w⁽¹⁾₍2,10₎ ←") for line in lines)


def test_tanh_derivative_with_a_negative_activation_is_parenthesised():
    model = nt.Sequential(nt.Linear(1, 1, rng=0), nt.Tanh(), nt.Linear(1, 1, rng=0))
    model.load_state_dict({"0.weight": [[1.0]], "0.bias": [0.0], "2.weight": [[1.0]], "2.bias": [0.0]})
    loss_fn = nt.MSELoss()
    with nt.trace(model) as tr:
        loss_fn(model(np.array([[-2.0]])), np.array([[0.0]]))
        model.backward(loss_fn.backward())
    e = tr.explain(0, 0, 0, phase="backward")
    a = fmt(np.tanh(-2.0))
    assert f"(1 − ({a})²)" in e.text  # 1 − (−0.964)², not 1 − −0.964²
    assert r"(1 - (-0.964)^2)" in e._repr_latex_()


def test_leaky_relu_derivative_is_named_leaky_relu_in_latex():
    model = nt.Sequential(nt.Linear(1, 1, rng=0), nt.LeakyReLU(0.1), nt.Linear(1, 1, rng=0))
    model.load_state_dict({"0.weight": [[1.0]], "0.bias": [0.0], "2.weight": [[1.0]], "2.bias": [0.0]})
    loss_fn = nt.MSELoss()
    with nt.trace(model) as tr:
        loss_fn(model(np.array([[-2.0]])), np.array([[0.0]]))
        model.backward(loss_fn.backward())
    e = tr.explain(0, 0, 0, phase="backward")
    assert "LeakyReLU′(z⁽¹⁾₁)" in e.text and "·0.1 =" in e.text
    assert r"\mathrm{LeakyReLU}'" in e._repr_latex_()


def test_the_batch_sum_line_names_each_gradient_with_its_layer_and_neuron(rng):
    # For a batch, the backward explanation ends with the summed gradients of the neuron: both named
    # in the same notation as the per-sample lines above them (∂L/∂w⁽ˡ⁾ⱼ and ∂L/∂b⁽ˡ⁾ⱼ).
    model = nt.Sequential(nt.Linear(2, 3, rng=rng), nt.Tanh(), nt.Linear(3, 1, rng=rng), nt.Sigmoid())
    loss_fn = nt.BCELoss()
    X, y = rng.normal(size=(4, 2)), np.array([[1.0], [0.0], [1.0], [0.0]])
    with nt.trace(model) as tr:
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
    rec = tr.steps[0].layers[0]
    last = tr.explain(0, layer=0, neuron=2, sample=1, phase="backward").text.splitlines()[-1]
    found = re.search(r"∂L/∂w⁽¹⁾₃ = \[(.+)\], ∂L/∂b⁽¹⁾₃ = (\S+)$", last)
    assert found, last
    number = lambda s: float(s.replace("−", "-"))  # noqa: E731
    np.testing.assert_allclose([number(s) for s in found.group(1).split(", ")], rec.grad_weight[2], rtol=0.01, atol=5e-4)
    assert number(found.group(2)) == pytest.approx(rec.grad_bias[2], rel=0.01, abs=5e-5)
    assert abs(rec.grad_bias[2]) > 1e-4  # a number worth reading, not a zero
    assert "Summed over the batch of 4" in last


@pytest.mark.parametrize("digits, error", [(-1, ValueError), (2.5, TypeError), ("3", TypeError), (None, TypeError)])
def test_digits_must_be_a_whole_number_of_decimals(worked, digits, error):
    with pytest.raises(error, match=r"trace\.explain: expected digits \(decimals shown\)"):
        worked.explain(0, 0, 0, digits=digits)
    assert worked.explain(0, 0, 0, digits=2).text.endswith("σ(2.5) = 0.92")  # the decimals asked for
    assert worked.explain(0, 0, 0, digits=4).text.endswith("σ(2.5) = 0.9241")


def test_nan_infinity_and_huge_numbers_read_well_in_text_and_latex():
    from nnteach.tracing.notation import num

    assert (num(float("nan")).text, num(float("nan")).latex) == ("NaN", r"\text{NaN}")  # not the product n·a·n
    assert (num(float("-inf")).text, num(float("-inf")).latex) == ("−∞", r"-\infty")
    assert (num(-2.5e20).text, num(-2.5e20).latex) == ("−2.5e+20", r"-2.5\times 10^{20}")  # not 21 digits
    assert (num(1.23e-5).latex, num(999999.0).text, num(0.9702).text) == (r"1.23\times 10^{-5}", "999999", "0.970")
