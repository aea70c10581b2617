"""Frames per second of the Playground while it plays: train a chunk, redraw, encode one PNG.

Goal (not a test): at least 20 frames a second for a 2-8-8-1 network on 200 points with the
decision boundary redrawn every frame. One frame is what one tick of the Play widget does in the
kernel (:meth:`Playground._on_tick` -> ``step()``): ``state.train_chunk()`` (a few epochs with
``nt.Trainer``, then train and test losses), ``state.frame()`` (the model's ``predict`` on the
grid) and the blitted redraw of the figure into ``ipywidgets.Image`` PNG bytes. Sending the bytes
to the browser is not included. Times are wall-clock; nothing here asserts.
Run ``python -m benchmarks.playground_fps``.
"""

from __future__ import annotations

import statistics
import time


def playground_fps(frames: int = 40, neurons: bool = False, warmup: int = 3, **config) -> dict:
    """Time ``frames`` Play ticks of a Playground (default: circles, 200 points, 2-8-8-1).

    Args:
        frames: timed frames (after ``warmup`` untimed ones: the first draw builds the background).
        neurons: also draw the hidden-neuron heatmaps every frame.
        **config: Playground settings overriding the benchmark's (hidden=(8, 8), n_samples=200, ...).

    Returns:
        ``{"fps", "cpu_fps", "median_ms", "p90_ms", "train_ms", "grid_ms", "draw_ms", "frames", "setup"}``:
        fps from the total wall time; cpu_fps from the process's CPU time (what the frame rate would
        be on an idle core, useful on a busy machine); train/grid/draw are the medians (wall time)
        of the three parts of a frame.
    """
    from nnteach.widgets.playground_view import Playground

    settings = {"hidden": (8, 8), "n_samples": 200, "seed": 0, **config}
    view = Playground("circles", **settings)
    view.show_neurons.value = neurons
    state, figure, neuron_figure = view.state, view._figure, view._neuron_figure
    for _ in range(warmup):
        view.step()
    totals, train, grid, draw = [], [], [], []
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(frames):
        t0 = time.perf_counter()
        state.train_chunk()
        t1 = time.perf_counter()
        frame = state.frame(neurons=neurons)
        t2 = time.perf_counter()
        view.image.value = figure.render(frame)
        if neurons:
            view.neuron_image.value = neuron_figure.render(frame)
        view.loss_text.value = str(frame.epoch)
        t3 = time.perf_counter()
        totals.append(t3 - t0)
        train.append(t1 - t0)
        grid.append(t2 - t1)
        draw.append(t3 - t2)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    ms = lambda values: 1000.0 * statistics.median(values)  # noqa: E731
    totals.sort()
    return {"fps": frames / elapsed, "cpu_fps": frames / cpu, "median_ms": ms(totals),
            "p90_ms": 1000.0 * totals[int(0.9 * (frames - 1))], "train_ms": ms(train), "grid_ms": ms(grid), "draw_ms": ms(draw), "frames": frames,
            "setup": f"{'-'.join(map(str, state.layer_sizes))} on {settings['n_samples']} points, "
                     f"{state.config.epochs_per_chunk} epochs/frame, batch {state.config.batch_size}, "
                     f"grid {state.config.resolution}×{state.config.resolution}" + (", neuron maps" if neurons else "")}


def main() -> None:
    for neurons in (False, True):
        r = playground_fps(frames=40, neurons=neurons)
        print(f"Playground {r['setup']}: {r['fps']:.1f} frames/s (goal ≥ 20; {r['cpu_fps']:.1f} by CPU time); "
              f"per frame median "
              f"{r['median_ms']:.1f} ms = train {r['train_ms']:.1f} + grid {r['grid_ms']:.1f} + "
              f"draw/PNG {r['draw_ms']:.1f} ms; p90 {r['p90_ms']:.1f} ms")


if __name__ == "__main__":
    main()
