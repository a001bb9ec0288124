"""The committee pack on the demo warehouse: generated once per session, then read back like a reader would.

The PDF's text (pypdf) must carry the warehouse's own figures, computed here with independent SQL; every page
is rendered to PNG (pypdfium2) and checked for content spilling into the margins; the HTML version must open
offline. The page images are kept under the session's temporary folder for a person to look at.
"""

from __future__ import annotations

import io
import math
import re
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from dashboard.queries import Warehouse
from pipelines.config import PROJECT_ROOT

PERIOD = "2024/25 Q4"
COUNTY = "E10000003"
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture(scope="session")
def pack_files(demo_env, tmp_path_factory):
    """The county pack for the demo's last quarter, as PDF and HTML, with the time it took."""
    import time

    from dashboard.pack import BackgroundCharts, build_pack, render_pack, warm_up

    started = time.perf_counter()
    warm_up()  # as `asc report` does: Chromium starts at once, and each theme's charts are drawn as it is written
    charts = BackgroundCharts()
    pack = build_pack(Warehouse(demo_env), PERIOD, on_section=charts.submit)
    charts.wait()
    files = render_pack(pack, ("pdf", "html"))
    seconds = time.perf_counter() - started
    folder = tmp_path_factory.mktemp("committee_pack")
    (folder / "pack.pdf").write_bytes(files["pdf"])
    (folder / "pack.html").write_bytes(files["html"])
    return {"pack": pack, "pdf": folder / "pack.pdf", "html": files["html"].decode(), "seconds": seconds}


@pytest.fixture(scope="session")
def pages(pack_files) -> list[str]:
    reader = PdfReader(pack_files["pdf"])
    return [page.extract_text() or "" for page in reader.pages]


def _flat(text: str) -> str:
    # Whitespace as one space; a hyphen the PDF broke a line after ("two-\nproportion") joined again.
    return re.sub(r"\s+", " ", text).replace("- ", "-")


def test_generation_is_quick_enough(pack_files):
    # The issue asks for under 15 s on the demo; allow for a busy test machine, but catch a pack gone slow.
    print(f"committee pack generated in {pack_files['seconds']:.1f} s")
    assert pack_files["seconds"] < 45


def test_title_page_names_council_committee_period_and_data_date(pages, warehouse, demo_env):
    title = _flat(pages[0])
    built_at, synthetic = warehouse.sql("select built_at, contains_synthetic_data from warehouse_meta").pl().row(0)
    local = built_at.astimezone(ZoneInfo("Europe/London"))
    assert demo_env.council.name in title
    assert demo_env.council.committee in title
    assert f"{PERIOD} (January to March 2025)" in title
    assert f"Data as at {local.day} {local:%B %Y}" in title
    assert synthetic and "Synthetic demo data" in title and "must not be used for decisions" in title


def test_every_page_is_numbered_and_marked_synthetic(pages):
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Synthetic demo data: not for decisions" in text


def test_contents_page_numbers_lead_to_their_sections(pages, pack_files):
    contents = _flat(pages[0])
    for section in pack_files["pack"].sections:
        found = re.search(re.escape(section.title) + r"[ .]*(\d+)", contents)
        assert found, section.title
        assert section.title in _flat(pages[int(found.group(1)) - 1])


def _headline_values(warehouse) -> dict[str, tuple[str, float]]:
    rows = warehouse.sql(
        "select measure_key, unit, value from mart_headline_measures where locality_code = ? and period = ?",
        params=[COUNTY, PERIOD],
    ).fetchall()
    return {key: (unit, value) for key, unit, value in rows}


def _printed(unit: str, value: float) -> str:
    """How the pack should print a value, written out here rather than borrowed from the product."""
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "gbp":
        return f"£{value / 1e6:.1f}m"
    if unit == "hours":
        return f"{value:,.0f} hours"
    return f"{round(value):,}"


def test_headline_figures_equal_the_warehouse(pages, warehouse):
    headlines = _flat(pages[1])
    values = _headline_values(warehouse)
    assert len(values) == 8
    for key, (unit, value) in values.items():
        assert _printed(unit, value) in headlines, (key, _printed(unit, value))


def test_direct_payment_and_workforce_figures_recomputed_from_the_snapshots(pages, warehouse):
    dp, clients, spend = warehouse.sql(
        "select count(*) filter (where is_dp_recipient), count(*), sum(dp_weekly_cost_gbp) * 52 "
        # the source the council's figures are reported from: CLD where its submissions cover the quarter
        "from int_community_clients_reported where period = ?",
        params=[PERIOD],
    ).fetchall()[0]
    pas, payroll = warehouse.sql(
        "select count(*), count(*) filter (where on_payroll) from int_pas_snapshotted where period = ?",
        params=[PERIOD],
    ).fetchall()[0]
    text = _flat(" ".join(pages))
    assert f"{100 * dp / clients:.1f}% of people in long-term community support in Cambridgeshire" in text
    assert f"{dp:,} of {clients:,} people in long-term community support" in text
    assert f"about £{spend / 1e6:.1f}m a year" in text
    assert f"to {pas:,}:" in text and f"{payroll:,} PAs were on the Direct Payment Support Service payroll" in text
    # The page and the pack word the trajectory alike: the target date is this quarter, and it has passed.
    assert "has passed without the target being met" in text and "has been reached" not in text


def test_headline_rag_words_and_targets_with_direction(pages):
    headlines = _flat(pages[1])
    assert "Red: off target" in headlines
    assert "25.0% by 2024/25 Q4 (higher is better; amber within 2.0 points)" in headlines
    # The DPSS survey share is the contract's KPI: rated against the contract's target, as on page 7.
    assert "75.0% (the contract's target; higher is better; amber within 5.0 points)" in headlines
    assert "65.0%" not in headlines
    assert "(lower is better)" in headlines


def test_annex_lists_the_ascof_renumbering_and_licences(pages):
    annex = _flat(" ".join(pages[-3:]))
    assert re.search(r"receive direct payments 1C2A 3D2A", annex)
    assert re.search(r"with their care and support 3A 1D", annex)
    assert "1C2A → 3D2A" in annex
    assert "Open Government Licence v3.0" in annex
    assert "Synthetic: made up, not real people" in annex


def test_money_dates_and_years_are_written_the_british_way(pages):
    text = _flat(" ".join(pages))
    assert "£" in text and "$" not in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), "ISO dates belong inside the product, not in the pack"
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    dates = re.findall(rf"\b(\d{{1,2}}) ({months}) (\d{{4}})\b", text)
    assert dates, "the pack should carry British long dates"
    assert "2024/25" in text and not re.search(r"\b20\d\d-\d\d Q\d", text), "financial years as 2024/25"


def test_pages_render_without_anything_in_the_margins(pack_files, tmp_path_factory):
    """Every page drawn as an image: blank paper beyond the text column, so nothing is cut off or spills over."""
    folder = tmp_path_factory.mktemp("committee_pack_pages")
    pdf = pdfium.PdfDocument(str(pack_files["pdf"]))
    scale = 2.0
    for index in range(len(pdf)):
        page = pdf[index]
        width, height = page.get_size()
        assert (round(width / MM), round(height / MM)) == (210, 297), "A4 portrait"
        image = page.render(scale=scale).to_pil().convert("L")
        image.save(folder / f"page-{index + 1:02d}.png")
        pixels = np.asarray(image)
        px = scale * MM
        # Right and left margins (16 mm) leave 2 mm of tolerance for anti-aliasing at the text column's edge.
        right = pixels[:, int((210 - 14) * px) :]
        left = pixels[:, : int(14 * px)]
        assert right.min() > 240 and left.min() > 240, f"page {index + 1}: something reaches into a side margin"
        # The body begins just below the running header (about 10 mm down): a page holding only a section's
        # closing note (about 20-28 mm down) is not blank.
        assert pixels[int(15 * px) : int(270 * px), :].min() < 128, f"page {index + 1} looks blank"
    print(f"page images in {folder}")


def test_html_version_opens_offline_with_inline_images(pack_files):
    html = pack_files["html"]
    assert '<html lang="en-GB">' in html
    assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html, re.IGNORECASE)
    images = re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}" alt="([^"]+)"', html)
    assert len(images) == len(pack_files["pack"].charts) >= 5
    assert all(len(alt) > 40 for alt in images), "each chart has a text alternative"


def test_small_counts_are_suppressed_in_the_headline_table(demo_env, monkeypatch):
    from dashboard.pack import pack as pack_module
    from dashboard.pack.content import Scope

    wh = Warehouse(demo_env)
    frame = wh.headline_measures(COUNTY)
    import polars as pl

    waiting = pl.col("measure_key") == "people_waiting"
    small = frame.with_columns(
        pl.when(waiting).then(pl.lit(3.0)).otherwise(pl.col("value")).alias("value"),
        pl.when(waiting).then(pl.lit([3.0])).otherwise(pl.col("rests_on")).alias("rests_on"),
    )
    monkeypatch.setattr(wh, "headline_measures", lambda code: small)
    scope = Scope(wh, PERIOD, COUNTY, "Cambridgeshire (all)")
    section = pack_module.headline_section(scope)
    table = next(b for b in section.blocks if b.kind == "table")
    waiting = next(row for row in table.rows if row[0] == "People waiting for care")
    assert waiting[1] == "<5" and waiting[2] == "Change not shown (small numbers)"
    sentences = " ".join(b.text for b in section.blocks if b.kind == "paragraph")
    assert "People waiting for care in Cambridgeshire (all): too few people in 2024/25 Q4 to show" in sentences
    assert " 3 " not in f" {sentences} "


def test_a_district_pack_reads_its_own_figures(demo_env, warehouse):
    from dashboard.pack import build_pack

    pack = build_pack(Warehouse(demo_env), "Q3 2024-25", "fenland")
    assert (pack.period, pack.locality_code, pack.area) == ("2024/25 Q3", "E07000010", "Fenland")
    uptake = warehouse.sql(
        "select uptake_pct from mart_dp_uptake where locality_code = 'E07000010' and period = '2024/25 Q3'"
    ).fetchall()[0][0]
    words = " ".join(b.text for s in pack.sections for b in s.blocks if b.kind == "paragraph")
    assert f"{uptake:.1f}% of people in long-term community support in Fenland" in words


def _with_a_small_district(wh: Warehouse, code: str, monkeypatch) -> None:
    """Make ``code`` a district with 3 people on a direct payment and 2 active PAs, every quarter."""
    import polars as pl

    dp = wh.dp_uptake()
    dp = dp.with_columns(
        pl.when(pl.col("locality_code") == code).then(3).otherwise(pl.col("dp_recipients")).alias("dp_recipients")
    ).with_columns((100 * pl.col("dp_recipients") / pl.col("community_clients")).alias("uptake_pct"))
    pas = wh.pa_workforce()
    pas = pas.with_columns(
        pl.when(pl.col("locality_code") == code).then(2).otherwise(pl.col("active_pas")).alias("active_pas")
    ).with_columns(
        (100 * pl.col("active_pas") / pl.col("dp_recipients")).alias("pas_per_100_dp"),
        (100 * (pl.col("active_pas") - pl.col("active_pas_year_before")) / pl.col("active_pas_year_before")).alias(
            "growth_pct"
        ),
    )
    monkeypatch.setattr(wh, "dp_uptake", lambda c=None: dp if c is None else dp.filter(pl.col("locality_code") == c))
    monkeypatch.setattr(wh, "dp_uptake_at", lambda period: dp.filter(pl.col("period") == period))
    monkeypatch.setattr(
        wh, "pa_workforce", lambda c=None: pas if c is None else pas.filter(pl.col("locality_code") == c)
    )


def test_pack_district_tables_hide_a_small_count_and_the_one_that_would_give_it_away(demo_env, warehouse, monkeypatch):
    from dashboard.pack import themes
    from dashboard.pack.content import Scope

    fenland = "E07000010"
    wh = Warehouse(demo_env)
    _with_a_small_district(wh, fenland, monkeypatch)
    others = warehouse.sql(
        "select d.locality_name, d.dp_recipients, p.active_pas from mart_dp_uptake d join mart_pa_workforce p "
        "using (locality_code, period) where period = ? and locality_code not in (?, ?)",
        params=[PERIOD, COUNTY, fenland],
    ).fetchall()
    next_dp = min(others, key=lambda r: r[1])[0]  # the district whose count would give Fenland's away
    next_pas = min(others, key=lambda r: r[2])[0]

    scope = Scope(wh, PERIOD, COUNTY, "Cambridgeshire (all)")
    section = themes.direct_payments(scope)
    table = next(b for b in section.blocks if b.kind == "table" and b.caption.startswith("Direct payment uptake by"))
    rows = {r[0]: [str(c) for c in r] for r in table.rows}
    assert rows["Fenland"][1] == "<5" and rows["Fenland"][3:] == ["–", "–", "–"]
    assert rows[next_dp][1] == "–" and rows[next_dp][3] == "–"  # secondary suppression
    assert sum(rows[name][1] in ("<5", "–") for name in rows if name != "Cambridgeshire (all)") == 2
    assert rows["Cambridgeshire (all)"][1] not in ("<5", "–")
    chart = next(b for b in section.blocks if b.kind == "chart")
    lines = {t.name: t.y for t in chart.figure.data}
    assert lines["Fenland"][-1] is None and lines[next_dp][-1] is None  # nor drawn (nor in the hover text)

    section = themes.workforce(scope)
    table = next(b for b in section.blocks if b.kind == "table" and b.caption.startswith("Personal Assistants by area"))
    rows = {r[0].replace(" (rural)", ""): [str(c) for c in r] for r in table.rows}
    assert rows["Fenland"][1] == "<5" and rows["Fenland"][3] == "–" and rows["Fenland"][5] == "–"
    assert rows[next_pas][1] == "–" and rows[next_pas][3] == "–" and rows[next_pas][5] == "–"

    # A pack for the small district itself prints no count, share or change resting on it.
    scope = Scope(wh, PERIOD, fenland, "Fenland")
    words = " ".join(
        b.text
        for s in (themes.direct_payments(scope), themes.workforce(scope))
        for b in s.blocks
        if b.kind == "paragraph"
    )
    assert "Too few people in Fenland to show direct payment uptake" in words
    assert "Growth in Personal Assistants in Fenland in the year to 2024/25 Q4 is not shown (small numbers)." in words
    assert not re.search(r"(?<![\d.,/])[1-4](?![\d.,%/])", words.replace("2024/25 Q4", "").replace("2024/25", "")), (
        words
    )


def test_unknown_period_or_area_is_refused(demo_env):
    from dashboard.pack import PackError, build_pack

    with pytest.raises(PackError, match="2020/21 Q1 to 2024/25 Q4"):
        build_pack(Warehouse(demo_env), "2031/32 Q1")
    with pytest.raises(PackError, match="Unknown locality 'Atlantis'"):
        build_pack(Warehouse(demo_env), PERIOD, "Atlantis")


def test_cli_writes_both_formats(demo_env, tmp_path, pack_files):
    from pipelines import audit
    from pipelines.cli import main

    since = audit.read(demo_env, limit=1)["audit_id"].to_list() or [0]
    assert (
        main(["report", "--period", PERIOD, "--locality", "E07000008", "--format", "both", "--out", str(tmp_path)]) == 0
    )
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["committee-pack_2024-25-Q4_cambridge.html", "committee-pack_2024-25-Q4_cambridge.pdf"]
    trail = audit.read(demo_env).filter(audit.read(demo_env)["audit_id"] > since[0])
    assert sorted(trail.select("action", "subject").rows()) == [("pack_download", name) for name in written]
    assert PdfReader(tmp_path / written[1]).pages[0].extract_text().count("Cambridge") >= 1
    assert main(["report", "--period", "2040/41 Q1", "--out", str(tmp_path)]) == 2


def test_overview_download_button_makes_the_pack(demo_env, pack_files):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=120).run()
    at.switch_page("views/overview.py").run()
    assert not at.get("download_button") or all(
        d.proto.label != "Download the committee pack (PDF)" for d in at.get("download_button")
    )
    at.button(key="prepare-pack").click().run()
    assert not at.exception
    buttons = [d for d in at.get("download_button") if d.proto.label == "Download the committee pack (PDF)"]
    assert len(buttons) == 1
    key, file_name, pdf = at.session_state["committee-pack"]
    assert key[:2] == (COUNTY, PERIOD) and file_name == "committee-pack_2024-25-Q4_cambridgeshire-all.pdf"
    assert pdf.startswith(b"%PDF") and len(PdfReader(io.BytesIO(pdf)).pages) == len(PdfReader(pack_files["pdf"]).pages)
    # Taking the file is the audited act (issue 17): one row naming the file, the area and the quarter.
    from pipelines import audit

    since = audit.read(demo_env, limit=1)["audit_id"].to_list() or [0]
    at.download_button(key="download-pack").click().run()
    taken = audit.read(demo_env).filter(audit.read(demo_env)["audit_id"] > since[0])
    assert taken.select("actor", "action", "subject").rows() == [("demo user", "pack_download", file_name)]


def test_satisfaction_theme_says_what_the_page_says(pages, warehouse, demo_env):
    """The pack lays out the Satisfaction page's own sentences and tables, with the figures recomputed here."""
    from dashboard.present.satisfaction import satisfaction_outcomes

    text = _flat(" ".join(pages))
    page = satisfaction_outcomes(Warehouse(demo_env), COUNTY, PERIOD, "Cambridgeshire (all)")
    for part in (page.dpss, page.ascs, page.outcomes):
        for paragraph in part.paragraphs:
            assert _flat(paragraph.text) in text, paragraph.text
    n, top = warehouse.sql(
        "select responses, top_box from mart_satisfaction where survey = 'dpss_customer' "
        "and question_code = 'overall_rating' and locality_code = ? and period = ?",
        params=[COUNTY, PERIOD],
    ).fetchall()[0]
    assert f"{100 * top / n:.1f}% of the {n} DPSS customers who answered in Cambridgeshire (all)" in text
    # The DPSS share is the contract's KPI, rated as on the provider KPI page; the ASCS share has the council's target.
    assert "Target 75.0% (the contract's target; higher is better; amber within 5.0 points). Rating:" in text
    targets = demo_env.targets
    assert (
        f"Target {targets.satisfaction_pct:.1f}% (higher is better; amber within "
        f"{targets.satisfaction_amber_points:.1f} points). Rating:" in text
    )
    for name, reviewed, achieved in warehouse.sql(
        "select locality_name, outcomes_reviewed, achieved from mart_outcomes where period = ? "
        "and review_reason = 'all'",
        params=[PERIOD],
    ).fetchall():
        assert f"{name} {reviewed:,} {achieved:,} {100 * achieved / reviewed:.1f}" in text, name


def test_satisfaction_theme_for_a_district_shows_no_small_numbers(demo_env, warehouse):
    """Fenland in 2024/25 Q1: three people answered the DPSS survey. The pack says so without the numbers."""
    from dashboard.pack import satisfaction
    from dashboard.pack.content import Scope

    wh = Warehouse(demo_env)
    section = satisfaction.satisfaction_outcomes(Scope(wh, "2024/25 Q1", "E07000010", "Fenland"))
    words = " ".join(b.text for b in section.blocks if b.kind == "paragraph")
    assert "Fewer than 5 DPSS customers answered in Fenland in 2024/25 Q1" in words
    assert "Not rated (too few respondents)" in words
    assert not re.search(r"\bof (the )?[1-4] ", words)
    district = next(b for b in section.blocks if b.kind == "table" and b.columns[1] == "Respondents")
    fenland = next(row for row in district.rows if row[0] == "Fenland")
    assert fenland[1:] == ["<5", "<5", "–", "–"]
    hidden = [row[0] for row in district.rows[:-1] if row[1] in ("<5", "–")]
    assert len(hidden) >= 2, "a lone hidden district would be the county total less the others"


def test_demand_outlook_says_what_the_page_says(pages, warehouse, demo_env):
    """The pack's demand outlook prints the Demand page's forecast and projection sentences and its forecast table,
    with the figures recomputed here from the warehouse."""
    from dashboard.present import demand

    text = _flat(" ".join(pages))
    wh = Warehouse(demo_env)
    forecast = demand.forecast(wh, COUNTY, PERIOD, "Cambridgeshire (all)")
    projection = demand.projection(wh, COUNTY, "Cambridgeshire (all)")
    for paragraph in (forecast.sentence, forecast.accuracy, projection.sentence):
        assert _flat(paragraph.text) in text, paragraph.text
    # The county's people follow the demand path: its districts' forecasts added up, each range rebuilt from the
    # forecast's 80% interval (a relative spread on the log scale), then population-driven after 2026/27 Q4.
    forecasts = warehouse.sql(
        "select locality_code, period, mean, lo_80, hi_80 from fct_forecasts where measure = 'people_supported' "
        "and role = 'chosen' and locality_code <> ? order by locality_code, period_start",
        params=[COUNTY],
    ).pl()
    z_80, z_95 = 1.2815515655446004, 1.959963984540054
    sigma = (forecasts["hi_80"] - forecasts["lo_80"]) / (2 * z_80 * forecasts["mean"])
    path = (
        forecasts.with_columns(
            lo_80=forecasts["mean"] * np.exp(-z_80 * sigma),
            hi_80=forecasts["mean"] * np.exp(z_80 * sigma),
            lo_95=forecasts["mean"] * np.exp(-z_95 * sigma),
            hi_95=forecasts["mean"] * np.exp(z_95 * sigma),
        )
        .group_by("period", maintain_order=True)
        .agg(pl.col("mean", "lo_80", "hi_80", "lo_95", "hi_95").sum())
    )
    projected = warehouse.sql(
        "select area_code, projection_year, sum(expected_people) as people from fct_demand_projection "
        "group by all order by all"
    ).fetchall()
    totals = {(code, year): people for code, year, people in projected}
    # People CLD cannot place in a district have no forecast: today's count grown with their projection (a straight
    # line between year ends), its range the 2% a year drift alone.
    unplaced = dict(warehouse.sql("select locality_code, people_supported from mart_demand_base").fetchall()).get(
        "unplaced", 0.0
    )
    rows = []
    for q, (period, mean, lo_80, hi_80, lo_95, hi_95) in enumerate(path.head(4).rows(), start=1):
        if unplaced:
            start, end = totals[("unplaced", 2024)], totals[("unplaced", 2025)]
            extra = unplaced * (start + (end - start) * q / 4) / start
            s = 0.02 * math.sqrt(q / 4)
            mean, lo_80, hi_80 = mean + extra, lo_80 + extra * math.exp(-z_80 * s), hi_80 + extra * math.exp(z_80 * s)
            lo_95, hi_95 = lo_95 + extra * math.exp(-z_95 * s), hi_95 + extra * math.exp(z_95 * s)
        rows.append((period, mean, lo_80, hi_80, lo_95, hi_95))
    period, mean, lo_80, hi_80, lo_95, hi_95 = rows[3]
    ((recorded,),) = warehouse.sql(
        "select value from mart_demand_history where measure = 'people_supported' and locality_code = ? and period = ?",
        params=[COUNTY, PERIOD],
    ).fetchall()
    assert (
        f"The forecast for {period} is about {mean:,.0f} people in long-term community support in Cambridgeshire "
        f"(all) (80% range {lo_80:,.0f} to {hi_80:,.0f}; 95% range {lo_95:,.0f} to {hi_95:,.0f}), against "
        f"{recorded:,.0f} in {PERIOD}."
    ) in text
    for period, mean, lo_80, hi_80, lo_95, hi_95 in rows:  # the table of the next four quarters
        assert f"{period} {mean:,.0f} {lo_80:,.0f} to {hi_80:,.0f} {lo_95:,.0f} to {hi_95:,.0f}" in text, period
    joint = {code: m for code, p, m in forecasts.select("locality_code", "period", "mean").rows() if p == "2026/27 Q4"}

    def at_end_of(year: int) -> float:
        placed = sum(m * totals[(code, year)] / totals[(code, 2026)] for code, m in joint.items())
        return placed + (unplaced * totals[("unplaced", year)] / totals[("unplaced", 2024)] if unplaced else 0.0)

    assert (
        f"would have about {at_end_of(2031):,.0f} people in long-term community support at the end of 2031/32 and "
        f"about {at_end_of(2040):,.0f} at the end of 2040/41"
    ) in text
