"""The glossary, each measure's panel from the registry, and the Making Data Count icons."""

from __future__ import annotations

import pytest

from dashboard.mdc_icons import COLOURS, assurance_icon, variation_icon
from dashboard.present.about import GLOSSARY, PAGE_MEASURES, glossary_table, measure_panel, next_update
from pipelines.config import load_settings
from pipelines.registry import measure_registry


def test_the_glossary_explains_every_abbreviation_a_committee_meets():
    terms = " ".join(GLOSSARY)
    for word in ("DPSS", "ISF", "CME", "PA", "ASCOF", "3D(2a)", "1C(2a)", "SPC", "Assurance", "Funnel", "MASE", "SALT"):
        assert word in terms, word
    table = glossary_table()
    assert table.columns == ["Term", "Meaning"] and len(table.rows) == len(GLOSSARY)


@pytest.mark.parametrize(
    ("frequency", "latest", "expected"),
    [
        ("Quarterly", "2024/25 Q4", "2025/26 Q1 figures, after the quarter ends on 30 June 2025"),
        ("Quarterly", "2024/25 Q2", "2024/25 Q3 figures, after the quarter ends on 31 December 2024"),
        ("Yearly", "2024/25 Q4", "2025/26 figures, after the year ends"),
        ("Yearly", "2024/25 Q1", "2024/25 figures, after the year ends"),
    ],
)
def test_next_update_follows_the_latest_data(frequency, latest, expected):
    assert next_update(frequency, latest) == expected


def test_each_measure_panel_gives_definition_source_frequency_next_update_direction_and_target():
    settings = load_settings()
    panel = measure_panel(settings, ["dp_uptake_pct", "people_waiting"], "2024/25 Q4")
    assert panel.columns == ["Measure", "Definition", "Source", "Frequency", "Next update", "Direction", "Target"]
    uptake, waiting = (dict(zip(panel.columns, row, strict=True)) for row in panel.rows)
    target = settings.targets.dp_uptake_pct
    assert uptake["Measure"] == "Direct payment uptake" and "3D(2a)" in uptake["Definition"]
    assert uptake["Target"].startswith(f"{target:.1f}% by ") and "higher is better" in uptake["Target"]
    assert uptake["Direction"] == "Higher is better" and uptake["Frequency"] == "Quarterly"
    assert waiting["Target"] == "No target (lower is better)" and waiting["Direction"] == "Lower is better"


def test_every_measure_has_a_page_and_no_page_lists_an_unknown_measure():
    registry = measure_registry(load_settings())
    listed = [key for keys in PAGE_MEASURES.values() for key in keys]
    assert sorted(listed) == sorted(registry)


def test_icons_differ_by_colour_and_letter_and_are_hidden_from_screen_readers():
    improvement_high = variation_icon("improvement", "high")
    assert COLOURS["improvement"] in improvement_high and ">H<" in improvement_high
    concern_low = variation_icon("concern", "low")
    assert COLOURS["concern"] in concern_low and ">L<" in concern_low
    common = variation_icon("common_cause", None)
    assert COLOURS["common"] in common and "<path" in common and "<text" not in common
    assert (
        ">P<" in assurance_icon("pass") and ">F<" in assurance_icon("fail") and ">?<" in assurance_icon("hit_and_miss")
    )
    assert variation_icon(None, None) == "" and assurance_icon(None) == ""
    assert all('aria-hidden="true"' in svg for svg in (improvement_high, concern_low, common, assurance_icon("pass")))
