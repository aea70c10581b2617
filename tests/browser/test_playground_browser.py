"""The Playground and the ForwardPassExplorer in a real JupyterLab, driven by Debian's chromium.

Screenshots go to ``artifacts/browser/playground_*.png`` and ``explorer_*.png``: look at them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.jupyter_server import assert_no_widget_errors, open_notebook, run_all_cells

pytestmark = pytest.mark.browser
NOTEBOOK = Path(__file__).parent / "notebooks" / "playground_widget.ipynb"


def _epoch(page) -> int:
    text = page.locator(".nnteach-playground .nnteach-loss").inner_text()
    return int(re.search(r"epoch (\d+)", text).group(1))


@pytest.fixture
def notebook_page(jupyter_lab, page):
    """The test notebook opened in JupyterLab with every cell run: both widgets on screen."""
    expect = pytest.importorskip("playwright.sync_api").expect
    path = jupyter_lab.add_notebook(NOTEBOOK)
    open_notebook(page, jupyter_lab, path)
    # The execution indicator reads "idle" before any kernel exists ("No Kernel | Initializing");
    # running cells then opens a "Select Kernel" dialog. Wait until the kernel itself is idle.
    expect(page.locator(".jp-StatusBar-Widget")).to_contain_text(re.compile(r"\(ipykernel\) \| Idle"),
                                                                  timeout=90_000)
    run_all_cells(page)
    expect(page.locator(".nnteach-playground .nnteach-boundary")).to_be_visible()
    expect(page.locator(".nnteach-explorer svg")).to_be_visible()
    assert_no_widget_errors(page)
    return page


def test_playground_trains_in_the_browser(notebook_page, artifacts_dir):
    expect = pytest.importorskip("playwright.sync_api").expect
    page = notebook_page
    root = page.locator(".nnteach-playground")
    loss = root.locator(".nnteach-loss")
    expect(loss).to_contain_text("epoch 0 · loss train")
    first_text = loss.inner_text()
    root.screenshot(path=str(artifacts_dir / "playground_start.png"))

    root.locator(".nnteach-step").click()
    expect(loss).to_contain_text("epoch 2 ·")
    assert loss.inner_text() != first_text

    root.locator(".nnteach-play").click()  # the Play ticker now trains a chunk per tick
    expect(loss).to_contain_text(re.compile(r"epoch ([2-9]\d|\d{3,}) ·"), timeout=20_000)
    root.locator(".nnteach-play").click()  # pause
    page.wait_for_timeout(500)  # let a tick already on its way arrive
    paused_at = _epoch(page)
    page.wait_for_timeout(800)
    assert _epoch(page) == paused_at, "training went on after Pause"
    root.screenshot(path=str(artifacts_dir / "playground_trained.png"))

    root.locator(".nnteach-step").click()
    expect(loss).to_contain_text(f"epoch {paused_at + 2} ·")
    root.get_by_text("show hidden neurons").click()
    expect(root.locator(".nnteach-neurons")).to_be_visible()
    root.screenshot(path=str(artifacts_dir / "playground_neurons.png"))
    assert_no_widget_errors(page)


def test_playground_shows_divergence_and_recovers(notebook_page, artifacts_dir):
    expect = pytest.importorskip("playwright.sync_api").expect
    page = notebook_page
    root = page.locator(".nnteach-playground")
    dropdown = root.locator(".widget-dropdown", has_text="loss").locator("select")
    dropdown.select_option(label="MSE")
    root.locator(".widget-dropdown", has_text="learning rate").locator("select").select_option(label="10.0")
    for _ in range(5):
        root.locator(".nnteach-step").click()
        page.wait_for_timeout(150)
    message = root.locator(".nnteach-message")
    expect(message).to_contain_text("Training diverged", timeout=10_000)
    expect(root.locator(".nnteach-loss")).to_contain_text("diverged")
    root.screenshot(path=str(artifacts_dir / "playground_diverged.png"))

    root.locator(".widget-dropdown", has_text="learning rate").locator("select").select_option(label="0.1")
    root.locator(".nnteach-reset").click()
    expect(root.locator(".nnteach-loss")).to_contain_text("epoch 0 ·")
    expect(message).to_have_text("")
    root.locator(".nnteach-step").click()
    expect(root.locator(".nnteach-loss")).to_contain_text("epoch 2 ·")
    expect(root.locator(".nnteach-loss")).not_to_contain_text("diverged")


def test_explorer_follows_its_input_slider(notebook_page, artifacts_dir):
    expect = pytest.importorskip("playwright.sync_api").expect
    page = notebook_page
    root = page.locator(".nnteach-explorer")
    equation = root.locator(".nnteach-explain")
    expect(equation).to_contain_text("x = (0.5, −0.3)")
    root.screenshot(path=str(artifacts_dir / "explorer_start.png"))
    handle = root.locator(".nnteach-explorer-input").first.locator(".noUi-handle")
    handle.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")  # four steps of 0.05
    expect(equation).to_contain_text("x = (0.7, −0.3)")
    expect(root.locator(".nnteach-explorer-input").first.locator(".widget-readout")).to_have_text("0.70")
    root.locator(".nnteach-explorer-select select").select_option(index=5)  # the output neuron
    expect(equation).to_contain_text("ŷ = a⁽³⁾₁")
    root.screenshot(path=str(artifacts_dir / "explorer_output_selected.png"))
    assert_no_widget_errors(page)
