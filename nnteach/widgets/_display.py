"""What every widget view shows as text: its state's deterministic summary."""

from __future__ import annotations


class ShowsSummary:
    """Mixin for a view with a ``state`` that has ``summary()``.

    A notebook shows a widget's ``text/plain`` before the widget renders (a saved notebook, a
    browser without the widget manager), and nbval compares exactly that text. So it is the
    summary of the numbers on screen, not ipywidgets' repr of the children.
    """

    def summary(self) -> str:
        """The state's deterministic text summary (what nbval compares next to the widget)."""
        return self.state.summary()

    def __str__(self) -> str:
        return self.summary()

    def _widget_bundle(self, **kwargs) -> dict:
        """The widget's own MIME bundle (a view that is not itself a widget overrides this)."""
        return super()._repr_mimebundle_(**kwargs)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self._widget_bundle(**kwargs)
        if isinstance(bundle, tuple):  # (data, metadata)
            bundle = bundle[0]
        bundle = dict(bundle or {})
        bundle["text/plain"] = self.summary()
        return bundle
