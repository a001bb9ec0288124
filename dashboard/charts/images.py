"""Plotly figures as PNG images, for the committee pack and the KPI review PDF.

kaleido drives Debian's Chromium. Its server is a process-wide singleton: it is started once and every
call is serialised, since several dashboard sessions may export at the same time. ``warm_up`` starts it
in the background (for ``asc report``) so Chromium loads while the warehouse is read.
"""

from __future__ import annotations

import threading
import warnings

import plotly.io as pio

_KALEIDO_LOCK = threading.Lock()
_kaleido_started = False
_warm_up_threads: list[threading.Thread] = []


def _start_kaleido() -> None:
    global _kaleido_started
    if not _kaleido_started:
        import kaleido

        kaleido.start_sync_server(silence_warnings=True)
        _kaleido_started = True


def figure_png(fig, width: int = 760, height: int = 380) -> bytes:
    """A Plotly figure as PNG bytes at twice the size, for print."""
    wait_for_warm_up()  # no chart may be drawn while the warm-up one is (it does not take the lock)
    with _KALEIDO_LOCK, warnings.catch_warnings():
        # Plotly passes kaleido options the shared server ignores; harmless, so not worth a warning per chart.
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        _start_kaleido()
        return pio.to_image(fig, format="png", width=width, height=height, scale=2)


def warm_up() -> None:
    """Start Chromium for the charts in the background while data are read.

    The first chart of a process costs seconds: Chromium starts and loads plotly.js, mostly in its own
    process, so it overlaps well with reading the warehouse. ``figure_png`` waits for it before drawing.
    """
    # Plotly looks pandas up in sys.modules while it serialises a figure: a pandas half-imported by the
    # other thread breaks it. Import it whole first (statsmodels needs it anyway), and import nothing else
    # in the background.
    import pandas  # noqa: F401

    def start_chromium() -> None:
        import kaleido
        import plotly.graph_objects as go

        # The server is a singleton: when figure_png starts it again later, that is a silent no-op.
        kaleido.start_sync_server(silence_warnings=True)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            pio.to_image(go.Figure(), format="png", width=50, height=50)

    thread = threading.Thread(target=start_chromium, name="start-chromium", daemon=True)
    thread.start()
    _warm_up_threads.append(thread)


def wait_for_warm_up() -> None:
    for thread in list(_warm_up_threads):
        if thread is not threading.current_thread():
            thread.join()  # at once if it has finished; safe from any thread
