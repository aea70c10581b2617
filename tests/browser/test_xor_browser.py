"""The XOR visualizer in a real JupyterLab, driven by Debian's chromium through Playwright.

The expected texts come from an :class:`XorState` with the notebook's configuration, stepped the
same way in this process: the browser must show exactly what the state object computes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnteach.widgets.xor_state import XorState

from tests.browser.jupyter_server import assert_no_widget_errors, open_notebook, run_all_cells

pytestmark = pytest.mark.browser
NOTEBOOK = Path(__file__).parent / "notebooks" / "xor_widget.ipynb"


def test_xor_visualizer_steps_and_selects_in_jupyterlab(jupyter_lab, page, artifacts_dir):
    expect = pytest.importorskip("playwright.sync_api").expect
    path = jupyter_lab.add_notebook(NOTEBOOK)
    open_notebook(page, jupyter_lab, path)
    run_all_cells(page)

    root = page.locator(".nnteach-xor")
    expect(root).to_be_visible(timeout=60_000)
    expected = XorState.classic()  # the notebook shows XorVisualizer.classic()
    phase, event = root.locator(".nnteach-phase"), root.locator(".nnteach-event")
    network = root.locator(".nnteach-network")
    expect(phase).to_have_text("input")
    expect(event).to_have_text(expected.frame().headline)
    expect(root.locator("img.nnteach-plots")).to_be_visible()
    assert_no_widget_errors(page)
    page.screenshot(path=artifacts_dir / "xor_01_rendered.png", full_page=True)

    # ▶ six times: z⁽¹⁾₁, a⁽¹⁾₁, z⁽¹⁾₂, a⁽¹⁾₂, z⁽²⁾₁, a⁽²⁾₁ of the worked example.
    nxt = root.locator(".nnteach-next")  # ipywidgets puts a Button's classes on the <button> itself
    for _ in range(6):
        nxt.click()
        frame = expected.next()
        expect(event).to_have_text(frame.headline)
        expect(phase).to_have_text(frame.phase)
    assert frame.headline == "a⁽²⁾₁ = ŷ = 0.970"
    expect(network).to_contain_text("z = 2.5")
    expect(network).to_contain_text("z = −2.5")
    expect(network).to_contain_text("0.924")
    expect(network).to_contain_text("ŷ = 0.970")
    expect(root.locator(".nnteach-details")).to_contain_text("σ(3.483) = 0.970")
    root.screenshot(path=artifacts_dir / "xor_02_forward_done.png")

    # ▶ three more: the loss, then the backward pass begins at the output.
    for _ in range(3):
        nxt.click()
        frame = expected.next()
    expect(phase).to_have_text("backward")
    expect(event).to_have_text(frame.headline)
    expect(network).to_contain_text("∂L/∂z = −0.030")
    root.screenshot(path=artifacts_dir / "xor_03_backward.png")

    # A truth-table row: in sample mode the step is replayed on x = (1, 1), at the same event.
    row = root.locator(".nnteach-truth-row-3")
    assert "nnteach-selected" not in (row.get_attribute("class") or "")
    plots = root.locator("img.nnteach-plots")
    old_src = plots.get_attribute("src")
    row.click()
    frame = expected.select(3)
    expect(page.locator(".nnteach-truth-row-3.nnteach-selected")).to_have_count(1)
    expect(page.locator(".nnteach-truth-row-1.nnteach-selected")).to_have_count(0)
    expect(event).to_have_text(frame.headline)
    expect(root.locator(".nnteach-details")).to_contain_text("x = (1, 1)")
    expect(plots).not_to_have_attribute("src", old_src)  # the rings moved to x = (1, 1): a new image
    page.wait_for_timeout(300)  # let the browser decode it before the screenshot
    assert_no_widget_errors(page)
    root.screenshot(path=artifacts_dir / "xor_04_row_selected.png")

    # Play: the ticker steps on by itself (one event per tick); the same button pauses it.
    status = root.locator(".nnteach-status")
    before = status.inner_text()
    play_pause = root.locator(".nnteach-play button").first
    play_pause.click()
    expect(status).not_to_have_text(before, timeout=10_000)
    play_pause.click()
    page.wait_for_timeout(1000)  # a tick already on its way may still arrive
    paused = status.inner_text()
    page.wait_for_timeout(1500)
    assert status.inner_text() == paused, "the visualizer kept stepping after pause"
    assert_no_widget_errors(page)
    page.screenshot(path=artifacts_dir / "xor_05_page.png", full_page=True)
