"""ASCOF from the council's CLD on the Overview and in the pack: care home admissions (2B/2C, formerly 2A) and the
year-end values beside the published ones, each figure recomputed here from the warehouse (the demo)."""

from __future__ import annotations

import pytest

from dashboard.present.ascof_cld import _difference, admission_rating, ascof_from_cld
from dashboard.queries import Warehouse
from pipelines.config import Settings
from pipelines.registry import measure_registry
from tests.app.test_pages import run_page, text_of

COUNTY, EAST_CAMBS = "E10000003", "E07000009"
YEAR_END = "2024/25 Q4"


def test_a_rate_is_rated_against_its_target_with_its_direction():
    under = measure_registry(Settings())["care_home_admissions_65_plus"]  # 560.0, amber within 40.0, lower better
    sentence, rag = admission_rating(under, 575.5)
    assert (sentence, rag) == (
        "Target 560.0 per 100,000 (lower is better; amber within 40.0 per 100,000). Rating: Amber: near target "
        "(15.5 per 100,000 above the target).",
        "amber",
    )
    assert admission_rating(under, None)[0].endswith("Not rated (too few people).")
    assert _difference(13.0, 13.4, "rate") == "0.4 per 100,000 lower"
    assert _difference(20.3, 17.2, "percent") == "3.1 points higher"
    assert _difference(None, 17.2, "percent") == "–"


def test_year_end_values_sit_beside_the_published_ones(demo_env, warehouse):
    wh = Warehouse(demo_env)
    section = ascof_from_cld(wh, COUNTY, YEAR_END, "Cambridgeshire (all)")
    rows = {(r[0], r[1].split(" ")[0]): r for r in section.reconciliation.rows}
    # 3D(2a): the Q4 county value from CLD is the council's ASCOF 3D(2a) for the year, beside NHS England's 17.2%.
    dp, users, value = warehouse.sql(
        "select dp_recipients, community_clients, uptake_pct from mart_dp_uptake "
        "where period = ? and locality_code = ?",
        params=[YEAR_END, COUNTY],
    ).fetchall()[0]
    published = warehouse.sql(
        "select value from stg_ascof_national where area_code = ? and year = '2024/25' and measure = 'dp_users'",
        params=[COUNTY],
    ).fetchall()[0][0]
    assert published == 17.2
    gap = value - published
    assert rows[("2024/25", "3D(2a)")][2:] == [
        f"{value:.1f}%",
        f"{dp:,} of {users:,}",
        "17.2%",
        f"{abs(gap):.1f} points {'higher' if gap > 0 else 'lower'}",
    ]
    # Before 2024/25 NHS England published from the SALT return: the value says so, and a note says what it means.
    salt = warehouse.sql(
        "select value from mart_ascof where area_code = ? and year = '2022/23' and measure = 'dp_users'",
        params=[COUNTY],
    ).fetchall()[0][0]
    assert rows[("2022/23", "3D(2a)")][4] == f"{salt:.1f}% (SALT)"
    assert any(n.text.startswith("Published values before 2024/25 (marked SALT)") for n in section.notes)
    # Carers over the year (3D(1b)/(2b)) reach the page too; NHS England's shipped data has no 2024/25 value.
    assert rows[("2024/25", "3D(2b)")][4] == "not published"
    # 2C: admissions of people 65+ over the year, over the population NHS England published (134,730).
    admitted = warehouse.sql(
        "select count(*) from int_cld_care_home_admissions where period = ? and age_band = '65+'", params=[YEAR_END]
    ).fetchall()[0][0]
    ours = 1e5 * admitted / 134_730
    assert rows[("2024/25", "2C")][2:5] == [f"{ours:,.1f}", f"{admitted:,} people", "559.6"]
    assert rows[("2024/25", "2C")][5] == f"{abs(ours - 559.6):,.1f} per 100,000 {'higher' if ours > 559.6 else 'lower'}"


def test_a_district_shows_its_admissions_with_small_counts_hidden_and_no_published_comparison(demo_env, warehouse):
    wh = Warehouse(demo_env)
    threshold = demo_env.suppression_threshold
    section = ascof_from_cld(wh, EAST_CAMBS, YEAR_END, "East Cambridgeshire")
    assert section.reconciliation is None
    assert any("NHS England publishes ASCOF for the council as a whole" in n.text for n in section.notes)
    for band, metric in zip(("18-64", "65+"), section.metrics, strict=True):
        n, population, rate = warehouse.sql(
            "select admissions, population, per_100k from mart_cld_care_home_admissions where period = ? "
            "and locality_code = ? and age_band = ?",
            params=[YEAR_END, EAST_CAMBS, band],
        ).fetchall()[0]
        assert rate == pytest.approx(1e5 * n / population)
        if 0 < n < threshold:
            assert metric.value == "–" and metric.help.startswith(f"<{threshold} people")
        else:
            assert metric.value == f"{rate:,.1f} per 100,000"
            assert metric.help.startswith(f"{n:,} people over the twelve months to {YEAR_END}")


def test_the_overview_shows_the_section_and_the_pack_lays_out_the_same_sentences(demo_env):
    from dashboard.pack import build_pack

    wh = Warehouse(demo_env)
    section = ascof_from_cld(wh, COUNTY, YEAR_END, "Cambridgeshire (all)")
    at = run_page("overview.py", period=YEAR_END)
    text = text_of(at)
    assert "ASCOF from the Client Level Data" in [h.value for h in at.header]
    for paragraph in section.paragraphs:
        assert paragraph.text in text
    shown = [m.value for m in at.metric if m.label.startswith("Care home admissions")]
    assert shown == [m.value for m in section.metrics]
    pack = build_pack(wh, YEAR_END, COUNTY)
    ascof = next(s for s in pack.sections if s.key == "ascof-cld")
    words = [b.text for b in ascof.blocks if b.kind == "paragraph"]
    assert words == [p.text for p in section.paragraphs]
    tables = [b for b in ascof.blocks if b.kind == "table"]
    assert tables and tables[0].rows == section.reconciliation.rows


def test_a_year_the_cld_hold_only_in_part_is_named_with_the_months_it_holds(demo_env, warehouse):
    # The demo's first CLD return begins in July 2021, so the twelve months to 2021/22 Q4 hold nine of them.
    first = warehouse.sql("select min(reporting_period_start_date) from stg_cld").fetchall()[0][0]
    months = (2022 - first.year) * 12 + 4 - first.month
    assert months < 12
    wh = Warehouse(demo_env)
    expected = (
        f"The Client Level Data hold only {months} of the twelve months to the end of 2021/22 Q4 (they begin in "
        f"{first:%B %Y}), so care home admissions and carers for that quarter are counted over {months} months, not "
        "a full year."
    )
    council = [n.text for n in ascof_from_cld(wh, COUNTY, YEAR_END, "Cambridgeshire (all)").notes]
    assert expected in council
    assert not any("hold only" in n for n in council if n != expected)
    district = [n.text for n in ascof_from_cld(wh, EAST_CAMBS, "2021/22 Q4", "East Cambridgeshire").notes]
    assert expected.replace("admissions and carers", "admissions") in district
    assert not any("hold only" in n.text for n in ascof_from_cld(wh, EAST_CAMBS, YEAR_END, "East Cambridgeshire").notes)
