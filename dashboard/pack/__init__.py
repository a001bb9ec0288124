"""The committee pack: the headline measures and every theme for one quarter and area, as PDF and HTML.

    from dashboard.pack import build_pack, render_pack
    pack = build_pack("2024/25 Q4")            # the county; pass locality="Fenland" for a district
    files = render_pack(pack, ("pdf", "html"))      # {"pdf": bytes, "html": bytes}

``asc report`` and the Overview page's download button both use these two calls.
"""

from dashboard.pack.pack import PackError, build_pack
from dashboard.pack.render import FORMATS, BackgroundCharts, output_paths, render_pack, warm_up

__all__ = ["FORMATS", "BackgroundCharts", "PackError", "build_pack", "output_paths", "render_pack", "warm_up"]
