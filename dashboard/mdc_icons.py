"""Making Data Count's variation and assurance icons, drawn here as small SVGs of our own.

NHS England's icon files are not copied: these are drawn from their published meanings (a circle, its colour the
kind of signal, a letter for which way it went), so the same picture appears on screen (the Overview tiles, the
scorecard's note) and in print (the committee pack's headline table). The words always stand beside an icon:
colour and shape are never the only signal, and the icon is hidden from screen readers (aria-hidden).
"""

from __future__ import annotations

import base64
from html import escape

# Okabe-Ito blue for improvement and vermilion for concern (the charts' colours); grey for common cause; purple
# for a special cause on a measure without a better direction.
COLOURS = {"improvement": "#0072B2", "concern": "#D55E00", "neutral": "#6A3D9A", "common": "#6B6B6B"}
SIZE = 22  # pixels on screen; the pack scales it to the line height


def _icon(colour: str, letter: str = "", wave: bool = False, title: str = "") -> str:
    mark = (
        f'<path d="M5 12 Q7.5 8 10 12 T15 12 T20 12" fill="none" stroke="{colour}" stroke-width="1.8"/>'
        if wave
        else f'<text x="12" y="16.5" text-anchor="middle" font-family="Arial, sans-serif" font-size="12" '
        f'font-weight="bold" fill="{colour}">{escape(letter)}</text>'
    )
    return (
        f'<svg class="mdc-icon" xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 24 24" '
        f'aria-hidden="true" focusable="false"><title>{escape(title)}</title>'
        f'<circle cx="12" cy="12" r="10.5" fill="white" stroke="{colour}" stroke-width="2"/>{mark}</svg>'
    )


def variation_icon(variation: str | None, side: str | None) -> str:
    """The variation icon: grey wave for common cause; H or L in blue (improvement), vermilion (concern) or
    purple (neither direction is better); nothing without enough data."""
    if variation is None:
        return ""
    if variation == "common_cause":
        return _icon(COLOURS["common"], wave=True, title="Common cause variation")
    letter = "H" if side == "high" else "L"
    return _icon(COLOURS.get(variation, COLOURS["neutral"]), letter, title=f"Special cause: {variation}, {side}")


def assurance_icon(assurance: str | None) -> str:
    """The assurance icon: P (consistently passes) in blue, F (consistently fails) in vermilion, ? (hit and miss)
    in grey; nothing without a target."""
    match assurance:
        case "pass":
            return _icon(COLOURS["improvement"], "P", title="Consistently meets the target")
        case "fail":
            return _icon(COLOURS["concern"], "F", title="Consistently misses the target")
        case "hit_and_miss":
            return _icon(COLOURS["common"], "?", title="Hits and misses the target")
        case _:
            return ""


def as_img(svg: str) -> str:
    """The icon as an <img> with a data URI: Streamlit's st.html strips inline <svg>, but keeps images.
    The alt text is empty because the words stand beside the icon."""
    if not svg:
        return ""
    data = base64.b64encode(svg.encode()).decode()
    return f'<img class="mdc-icon" src="data:image/svg+xml;base64,{data}" width="{SIZE}" height="{SIZE}" alt="">'
