"""Draw the pack: charts to PNG (kaleido), the document to HTML (Jinja2) and PDF (WeasyPrint).

One HTML document serves both outputs. The images are embedded as base64 PNG and the CSS inline, so
the HTML version opens offline and the PDF needs nothing from the network. Charts go through
``dashboard.charts.images``, which owns the one kaleido server a process may have.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import jinja2
from markupsafe import Markup

from dashboard.charts.images import figure_png, warm_up  # noqa: F401  (warm_up re-exported)
from dashboard.pack.content import Chart, Pack, Section, long_date

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHART_WIDTH = 860  # pixels; drawn at twice that for print, shown at the text column's width (178 mm)
FORMATS = {"pdf": ("pdf",), "html": ("html",), "both": ("pdf", "html")}


def _css_string(text: str) -> Markup:
    """Text for a CSS string inside <style>: quotes and backslashes escaped, no way to close the element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return Markup(escaped)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = _css_string
    return env


def _draw(chart: Chart) -> None:
    # On paper a target's label often sits on a data line: give labels a white ground to stay legible.
    chart.figure.update_annotations(bgcolor="rgba(255,255,255,0.85)")
    chart.image = figure_png(chart.figure, width=CHART_WIDTH, height=chart.height)


def draw_charts(pack: Pack, on_chart: Callable[[int, int], None] | None = None) -> None:
    """Turn every chart into a PNG (once; a pack drawn twice reuses its images)."""
    charts = pack.charts
    for number, chart in enumerate(charts, start=1):
        if chart.image is None:
            _draw(chart)
        if on_chart:
            on_chart(number, len(charts))


class BackgroundCharts:
    """Draw each section's charts in a background thread as soon as the section is written.

    Pass ``submit`` as ``build_pack(on_section=...)`` and call ``wait()`` before rendering. Chromium draws
    in its own process, so the charts cost little while the main thread reads data or imports modules.
    """

    def __init__(self) -> None:
        # Imported here, in the caller's thread: the drawing thread must import nothing, or plotly may meet a
        # module (pandas) that the main thread has half imported.
        import pandas  # noqa: F401

        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-charts")
        self._futures: list[Future] = []

    def submit(self, section: Section) -> None:
        self._futures.extend(self._pool.submit(_draw, chart) for chart in section.charts)

    def wait(self) -> None:
        try:
            for future in self._futures:
                future.result()  # raises a chart's error here, in the caller's thread
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _image(chart: Chart) -> str:
    if chart.image is None:
        raise ValueError("draw_charts(pack) must run before the pack is rendered")
    return base64.b64encode(chart.image).decode("ascii")


def render_html(pack: Pack) -> str:
    """The whole pack as one self-contained HTML document."""
    template = _environment().get_template("pack.html.j2")
    return template.render(
        pack=pack,
        css=(TEMPLATES / "pack.css").read_text(encoding="utf-8"),
        footer=f"{pack.council} · {pack.committee} · {pack.area} · {pack.period}",
        prepared=long_date(pack.generated_at),
        image=_image,
        chart_width=CHART_WIDTH,
    )


def render_pdf(html: str) -> bytes:
    """The HTML document laid out on A4 pages, with page numbers, as PDF bytes."""
    import weasyprint  # imported here: it takes a few seconds, and only the PDF needs it

    return weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


def render_pack(pack: Pack, formats: tuple[str, ...] = ("pdf",)) -> dict[str, bytes]:
    """Draw the charts and render the pack in each format asked for: {"pdf": bytes, "html": bytes}."""
    draw_charts(pack)
    html = render_html(pack)
    out: dict[str, bytes] = {}
    if "pdf" in formats:
        out["pdf"] = render_pdf(html)
    if "html" in formats:
        out["html"] = html.encode("utf-8")
    return out


def output_paths(pack: Pack, out: Path | None, formats: tuple[str, ...]) -> dict[str, Path]:
    """Where each format goes: ``out`` may be a folder, or a file name whose suffix is swapped per format."""
    if out is None:
        out = Path.cwd()
    if out.suffix.lower() in (".pdf", ".html", ".htm"):
        return {fmt: out.with_suffix(f".{fmt}") for fmt in formats}
    return {fmt: out / f"{pack.file_stem()}.{fmt}" for fmt in formats}
