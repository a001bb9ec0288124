"""AppTest of the provider KPI review on the demo warehouse.

Expected figures are worked out here from the raw provider returns and the raw catalogue (the rows as
loaded, not the KPI marts the page reads), with the RAG, SPC and funnel formulas written out afresh.
"""

from __future__ import annotations

import json
import math
import statistics

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import review_notes
from pipelines.config import PROJECT_ROOT
from tests.app.surfaces import open_expanders

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
PAGE = "views/provider_kpis.py"


def open_review(contract: str, period: str, kpi: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["period"] = period
    at.query_params["contract"] = contract
    if kpi:
        at.query_params["kpi"] = kpi
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def scorecard_rows(at: AppTest) -> dict[str, dict]:
    frame = at.dataframe[0].value
    return {row["KPI"]: row for row in frame.to_dict("records")}


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def raw_history(warehouse, contract: str, kpi: str) -> dict[str, float]:
    """Period -> value as the catalogue says to work it out, straight from the loaded rows."""
    rows = warehouse.sql(
        "select r.period, r.numerator, r.denominator, r.value, c.calculation, c.unit "
        "from raw_kpi_returns r join raw_kpi_catalogue c using (kpi_code) "
        "where r.contract_id = ? and r.kpi_code = ? and c.effective_from is null",
        params=[contract, kpi],
    ).fetchall()
    return {
        period: (100 * n / d if calc in ("proportion", "ratio") and unit == "percent" else value)
        for period, n, d, value, calc, unit in rows
    }


def catalogue(warehouse, contract_type: str) -> dict[str, tuple]:
    """KPI -> (name, higher is better, target, amber tolerance) from the catalogue rows with no start quarter."""
    rows = warehouse.sql(
        "select kpi_code, name, higher_is_better, target, amber_tolerance from raw_kpi_catalogue "
        "where contract_type = ? and effective_from is null",
        params=[contract_type],
    ).fetchall()
    return {code: rest for code, *rest in rows}


def points(change: float) -> str:
    size = f"{abs(change):.1f}"
    return f"{size} point" if size == "1.0" else f"{size} points"


def rag(value, target, higher_is_better, amber):
    if target is None:
        return None
    short = target - value if higher_is_better else value - target
    return "green" if short <= 0 else ("amber" if amber is not None and short <= amber else "red")


def change_words(change: float, higher_is_better: bool) -> str:
    good = (change > 0) == higher_is_better
    return f"{'Up' if change > 0 else 'Down'} {points(change)}, {'better' if good else 'worse'}"


def test_scorecard_for_a_lower_is_better_kpi_matches_the_returns(warehouse):
    history = raw_history(warehouse, "HC-02", "hc_missed_visits")
    periods = sorted(history, key=lambda p: (p[:4], p[-1]))
    values = [history[p] for p in periods]
    now, before, year_before = values[-1], values[-2], values[-5]
    name, higher, target, amber = catalogue(warehouse, "home_care")["hc_missed_visits"]
    assert (higher, target) == (False, 1.0)

    at = open_review("HC-02", "2024/25 Q4")
    row = scorecard_rows(at)[name]
    assert row["Value"] == f"{now:.1f}%"
    # The target with its direction and its amber tolerance, as every surface shows it.
    assert row["Target"] == f"{target:.1f}% (lower is better; amber within {points(amber)})"
    assert (
        row["RAG"]
        == {"red": "Red: off target", "amber": "Amber: near target", "green": "Green: on target"}[
            rag(now, target, higher, amber)
        ]
    )
    assert row["Change on last quarter"] == change_words(now - before, higher)
    assert row["Change on same quarter last year"] == change_words(now - year_before, higher)
    assert row["Change on same quarter last year"].endswith(", worse")

    # Making Data Count, by hand: mean and limits from all twenty quarters (the whole series is the baseline).
    mean = statistics.fmean(values)
    mr_bar = statistics.fmean(abs(b - a) for a, b in zip(values, values[1:], strict=False))
    upper, lower = mean + 2.66 * mr_bar, mean - 2.66 * mr_bar
    run_above = all(v > mean for v in values[-7:])
    assert now > upper or run_above  # a special cause, high, which is bad news when lower is better
    assert row["Variation (SPC)"] == "⚠ Concern (unusually high)"
    expected_assurance = (
        "✗ Consistently misses the target" if lower > target else "~ Hits and misses the target at random"
    )
    assert row["Assurance (SPC)"] == expected_assurance


def test_headline_counts_kpis_on_target_from_every_kpi_of_the_return(warehouse):
    kpis = catalogue(warehouse, "home_care")
    ratings = []
    for code, (_, higher, target, amber) in kpis.items():
        value = raw_history(warehouse, "HC-04", code)["2024/25 Q4"]
        ratings.append(rag(value, target, higher, amber))
    at = open_review("HC-04", "2024/25 Q4")
    with_target = [r for r in ratings if r]
    assert metric(at, "KPIs on target") == f"{ratings.count('green')} of {len(with_target)}"
    assert metric(at, "Red") == str(ratings.count("red"))
    assert len(scorecard_rows(at)) == len(kpis)


def test_a_missing_return_is_flagged_and_never_shown_as_zero(warehouse):
    assert warehouse.sql(
        "select count(*) from raw_kpi_returns where contract_id = 'HC-03' and period = '2023/24 Q2'"
    ).fetchall() == [(0,)]
    at = open_review("HC-03", "2023/24 Q2")
    assert any("Missing return" in e.value and "HC-03" in e.value and "not as zero" in e.value for e in at.error)
    rows = scorecard_rows(at).values()
    assert {r["Value"] for r in rows} == {"No return"}
    assert {r["RAG"] for r in rows} == {"No value to rate"}
    assert {r["Change on last quarter"] for r in rows} == {"–"}
    assert metric(at, "KPIs on target") == "No return"
    # Every contract's missing returns are listed too.
    listed = [df.value for df in at.dataframe if "Quarter" in df.value.columns and "Contract" in df.value.columns]
    assert any(
        ("HC-03", "2023/24 Q2", "Missing") in zip(d["Contract"], d["Quarter"], d["Status"], strict=True) for d in listed
    )


def test_kpi_chart_shows_the_targets_in_force_over_time_and_hides_small_counts(warehouse, demo_env):
    targets = dict(
        warehouse.sql(
            "select coalesce(effective_from, 'start'), target from raw_kpi_catalogue where kpi_code = 'isf_new'"
        ).fetchall()
    )
    changed_from = next(k for k in targets if k != "start")
    history = raw_history(warehouse, "ISF-01", "isf_new")
    at = open_review("ISF-01", "2024/25 Q4", kpi="isf_new")
    spec = next(c for c in charts(at) if "every quarter to 2024/25 Q4" in c["layout"]["title"]["text"])
    trace = {t["name"]: t for t in spec["data"]}
    target = trace["Target in force (higher is better)"]
    for period, shown in zip(target["x"], target["y"], strict=True):
        assert shown == (targets[changed_from] if period >= changed_from else targets["start"]), period
    value = trace["Value"]
    threshold = demo_env.suppression_threshold
    for period, shown in zip(value["x"], value["y"], strict=True):
        expected = history[period]
        assert shown == (None if 0 < expected < threshold else expected), period
    small = [p for p, v in history.items() if 0 < v < threshold]
    assert small, "the demo should have a quarter with fewer than five new ISFs"
    early = open_expanders(open_review("ISF-01", small[0], kpi="isf_new"))  # its chart's table opened
    row = scorecard_rows(early)["New Individual Service Funds set up in the quarter"]
    assert row["Value"] == f"<{threshold}"
    assert row["Change on last quarter"] == "–" and row["Change on same quarter last year"] == "–"
    # Nor in the KPI's line, its chart's table or the other providers' values.
    lines = [m.value.replace("\\", "") for m in early.markdown]  # as read, without Markdown's escapes
    assert any(line.startswith(f"<{threshold} in {small[0]} · target ") for line in lines)
    shown = [df.value for df in early.dataframe]
    chart_table = next(d for d in shown if "Lower process limit" in d.columns)
    assert chart_table["Value"].iloc[0] == f"<{threshold}" and chart_table["Quarter"].iloc[0] == small[0]
    peers = next(d for d in shown if f"Value, {small[0]}" in d.columns)
    assert dict(zip(peers["Contract"], peers[f"Value, {small[0]}"], strict=True))["ISF-01"] == f"<{threshold}"
    for frame in shown:
        for column in frame.columns:
            if column != "Last 8 quarters":
                assert not any(str(v) in {"1", "2", "3", "4"} for v in frame[column]), column


def test_choosing_a_kpi_opens_its_chart_and_keeps_it_in_the_link(warehouse):
    at = open_review("HC-01", "2024/25 Q4")
    at.selectbox(key="kpi").set_value("hc_discharge_on_time").run()
    assert not at.exception
    titles = [c["layout"]["title"]["text"].replace("<br>", " ") for c in charts(at)]  # as read, unwrapped
    assert "Hospital discharges with care starting within the agreed time: every quarter to 2024/25 Q4" in titles
    assert at.query_params["kpi"] == ["hc_discharge_on_time"] or at.query_params["kpi"] == "hc_discharge_on_time"


def test_funnel_outliers_match_a_hand_computed_funnel(warehouse):
    rows = warehouse.sql(
        "select contract_id, numerator, denominator from raw_kpi_returns "
        "where kpi_code = 'hc_missed_visits' and period = '2024/25 Q4' order by contract_id"
    ).fetchall()
    p0 = sum(n for _, n, _ in rows) / sum(d for _, _, d in rows)
    expected = {}
    for contract, n, d in rows:
        z = (n / d - p0) / math.sqrt(p0 * (1 - p0) / d)
        if abs(z) > 1.959964:
            expected[contract] = "worse than peers" if z > 0 else "better than peers"  # lower is better
    at = open_review("HC-02", "2024/25 Q4", kpi="hc_missed_visits")
    outliers = next(d.value for d in at.dataframe if "Meaning" in d.value.columns)
    assert dict(zip(outliers["Contract"], outliers["Meaning"], strict=True)) == expected
    assert expected["HC-02"] == "worse than peers"
    # Allowing for overdispersion widens the limits (four providers: none stands out any more).
    at.checkbox(key="funnel_overdispersion").check().run()
    assert not any("Meaning" in d.value.columns for d in at.dataframe)
    assert any("No provider lies outside the 95% limits." in c.value for c in at.caption)


def test_saving_a_note_and_seeing_it_next_quarter(demo_env):
    at = open_review("DPSS-01", "2023/24 Q3", kpi="dpss_query_days")
    at.text_area(key="note_commentary").input("Query backlog after two advisers left.")
    at.text_area(key="note_actions").input("=Recruit two advisers by January")
    at.text_input(key="note_author").input("Sam Lee")
    at.button[0].click().run()
    assert not at.exception
    assert any("Note saved for Average working days to answer a query, 2023/24 Q3" in s.value for s in at.success)
    notes = next(d.value for d in at.dataframe if "Agreed actions" in d.value.columns)
    assert notes.iloc[-1][["KPI", "Commentary", "Agreed actions", "Author"]].tolist() == [
        "Average working days to answer a query",
        "Query backlog after two advisers left.",
        "=Recruit two advisers by January",  # on screen as typed; neutralised in the downloads
        "Sam Lee",
    ]
    stored = review_notes.notes_for_quarter(demo_env, "DPSS-01", "2023/24 Q3")
    assert stored["agreed_actions"].to_list()[-1] == "=Recruit two advisers by January"

    # Next quarter's review opens with them.
    at = open_review("DPSS-01", "2023/24 Q4")
    shown = [i.value for i in at.info if "Actions agreed last time (2023/24 Q3)" in i.value]
    assert shown and "=Recruit two advisers by January" in shown[0] and "Sam Lee" in shown[0]


def test_a_note_without_author_is_refused_on_the_page():
    at = open_review("ISF-02", "2024/25 Q2")
    at.text_area(key="note_commentary").input("Plans up to date")
    at.button[0].click().run()
    assert any("Say who is writing the note." in e.value for e in at.error)


@pytest.mark.parametrize("contract", ["DPSS-01", "HC-01", "ISF-02"])
def test_every_contract_type_renders(contract):
    at = open_review(contract, "2024/25 Q4")
    assert scorecard_rows(at)
    assert {s.value for s in at.header} >= {"Scorecard, 2024/25 Q4", "Returns", "Export this review"}


def test_the_pack_summary_rates_every_contract_as_its_review_does(demo_env, warehouse):
    from dashboard.pack.content import Scope
    from dashboard.pack.providers import provider_kpis
    from dashboard.present.provider_kpis import providers_summary
    from dashboard.queries import Warehouse

    wh = Warehouse(demo_env)
    summary = providers_summary(wh, "2024/25 Q4")
    tables = {b.caption: b for b in summary.blocks if b.kind == "table"}
    red = tables["KPIs rated red, 2024/25 Q4"]
    # The red percentage KPIs worked out from the raw returns against the catalogue's target and tolerance.
    kpis = warehouse.sql(
        "select contract_id, kpi_code, name, higher_is_better, target, amber_tolerance from raw_kpi_catalogue c "
        "join (select distinct contract_id, kpi_code from raw_kpi_returns) using (kpi_code) "
        "where c.unit = 'percent' and c.effective_from is null"
    ).fetchall()
    expected = set()
    for contract, code, name, higher, target, amber in kpis:
        value = raw_history(warehouse, contract, code).get("2024/25 Q4")
        if value is not None and rag(value, target, higher, amber) == "red":
            words = f"{target:.1f}% ({'higher' if higher else 'lower'} is better; amber within {points(amber)})"
            expected.add((contract, name, words))
    assert expected and expected == {(r[0], r[1], r[3]) for r in red.rows if r[2].endswith("%")}
    # The page's headline for a contract says what the pack's row for it says.
    contracts = tables["Contracts and their returns, 2024/25 Q4"]
    pack_row = next(r for r in contracts.rows if r[0] == "HC-02")
    at = open_review("HC-02", "2024/25 Q4")
    assert (metric(at, "KPIs on target"), metric(at, "Amber"), metric(at, "Red")) == tuple(pack_row[4:7])
    # The pack's section lays out the same blocks.
    scope = Scope(wh, "2024/25 Q4", demo_env.council.code, "Cambridgeshire")
    section = provider_kpis(scope)
    assert section.title == "Provider KPIs: summary" and section.scope == summary.scope
    words = [getattr(b, "text", None) or getattr(b, "rows", None) for b in section.blocks if b.kind != "chart"]
    assert words == [getattr(b, "text", None) or getattr(b, "rows", None) for b in summary.blocks if b.kind != "chart"]
