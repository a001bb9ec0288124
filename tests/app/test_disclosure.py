"""Disclosure control: on a warehouse with deliberately small groups, nothing small can be seen or worked out.

The demo inbox is cut down in one district, East Cambridgeshire ("the small district"), before ingest, so that
every count of people there is 0 to 4 in every quarter: four people in long-term community support (two on a
direct payment, one using a care micro-enterprise, one Individual Service Fund set up in 2024/25 Q3), three
Personal Assistants (two a year before), three survey respondents a quarter, one review a quarter (the CLD
return is drawn from these people), one referral a quarter and two people waiting. One ISF provider's return
reports 3 and 2 new ISFs, and 3 of 4 people with an up-to-date plan. The other districts keep their own
(sometimes naturally small) numbers.

Every page is rendered for every area and two quarters (with each SPC view switched on), every download is
read (CSV, Excel, PDF), every dataframe, chart spec (values, text labels, custom data, hover templates), metric
and piece of text; and the committee pack's blocks for every area. The checks:

- no count of people from 1 to 4 is shown as a number (a table column, metric or chart of people, or a number
  of people in a sentence);
- no "x of n" with x or n from 1 to 4, and no percentage "of n" people with n from 1 to 4;
- no percentage, interval or rate beside a count shown as "<5", and none at all for the small district (in its
  rows, columns, chart series or on its own pages);
- no hidden district cell can be worked out as the county total less the other districts shown beside it.

A failure lists every leak found: the surface, where on it, and what was shown.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from dashboard.queries import Warehouse
from pipelines.config import load_settings
from tests.app.surfaces import TAB_VIEWS, TABS, ChartShown, Surface, TableShown, pack_surfaces, page_surface, run_app
from tests.conftest import app_config, write_test_config

SMALL_AREA, SMALL_NAME = "E07000009", "East Cambridgeshire"
QUARTERS = ("2024/25 Q4", "2023/24 Q2")
LOCAL_PAGES = ("overview.py", "direct_payments.py", "workforce.py", "satisfaction_outcomes.py", "demand_scenarios.py")
SMALL_KPI = ("ISF-02", "isf_plan_current", "2023/24 Q2", 3.0, 4.0)  # 3 of 4 people with an up-to-date plan

# --- The small-groups warehouse -----------------------------------------------------------------------------


def shrink_small_area(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Keep a handful of people in the small district, so each of its counts is 0 to 4."""
    here = pl.col("locality_code") == SMALL_AREA
    activity = frames["activity"]
    mine = activity.filter(here)
    spans = (pl.col("start_date") <= dt.date(2022, 6, 30)) & (
        pl.col("end_date").is_null() | (pl.col("end_date") > dt.date(2025, 3, 31))
    )

    def people(rows: pl.DataFrame, n: int) -> list[str]:
        return rows.sort("person_id")["person_id"].unique(maintain_order=True).head(n).to_list()

    dp = people(mine.filter(spans & (pl.col("service_type") == "direct_payment")), 2)
    cme = people(mine.filter(spans & (pl.col("service_type") == "cme") & ~pl.col("person_id").is_in(dp)), 1)
    isf = people(
        mine.filter(
            (pl.col("service_type") == "isf")
            & pl.col("start_date").is_between(dt.date(2024, 10, 1), dt.date(2024, 12, 31))
            & pl.col("end_date").is_null()
        ),
        1,
    )
    frames["activity"] = activity.filter(~here | pl.col("person_id").is_in(dp + cme + isf))

    pas = frames["pa_register"]
    stays = here & pl.col("left_date").is_null()
    early = pas.filter(stays & (pl.col("registered_date") < dt.date(2022, 1, 1))).sort("pa_id")["pa_id"].head(2)
    late = pas.filter(stays & pl.col("registered_date").is_between(dt.date(2024, 4, 1), dt.date(2024, 12, 31)))
    keep = early.to_list() + late.sort("pa_id")["pa_id"].head(1).to_list()
    frames["pa_register"] = pas.filter(~here | pl.col("pa_id").is_in(keep))

    # One review a quarter, of a person still in the district (the CLD return is drawn from these frames).
    reviews = frames["reviews"]
    first = (
        reviews.filter(here)
        .sort("review_date", "person_id")
        .group_by(pl.col("review_date").dt.year().alias("y"), pl.col("review_date").dt.quarter().alias("q"))
        .agg(pl.col("review_date").first())
        .select("review_date")
    )
    kept = reviews.filter(here).join(first, on="review_date").unique("review_date", keep="first")
    frames["reviews"] = pl.concat([reviews.filter(~here), kept.with_columns(person_id=pl.lit(dp[0]))])

    survey = frames["survey_responses"]
    respondents = (
        survey.filter(here)
        .group_by("survey", "period")
        .agg(pl.col("response_id").unique().sort().head(3))
        .explode("response_id")["response_id"]
        .to_list()
    )
    frames["survey_responses"] = survey.filter(~here | pl.col("response_id").is_in(respondents))

    referrals = frames["referrals"]
    one_a_quarter = (
        referrals.filter(here & (pl.col("status") != "waiting"))
        .group_by(pl.col("received_date").dt.year().alias("y"), pl.col("received_date").dt.quarter().alias("q"))
        .agg(pl.col("referral_id").sort().first())["referral_id"]
        .to_list()
    )
    waiting = referrals.filter(here & (pl.col("status") == "waiting")).sort("referral_id")["referral_id"].head(2)
    frames["referrals"] = referrals.filter(~here | pl.col("referral_id").is_in(one_a_quarter + waiting.to_list()))

    returns = frames["kpi_returns"]
    contract, kpi, period, numerator, denominator = SMALL_KPI
    small_plan = (pl.col("contract_id") == contract) & (pl.col("kpi_code") == kpi) & (pl.col("period") == period)
    small_isfs = (pl.col("contract_id") == "ISF-02") & (pl.col("kpi_code") == "isf_new")
    frames["kpi_returns"] = returns.with_columns(
        pl.when(small_plan).then(numerator).otherwise(pl.col("numerator")).alias("numerator"),
        pl.when(small_plan).then(denominator).otherwise(pl.col("denominator")).alias("denominator"),
        pl.when(small_plan)
        .then(round(100 * numerator / denominator, 1))
        .when(small_isfs & (pl.col("period") == "2024/25 Q4"))
        .then(3.0)
        .when(small_isfs & (pl.col("period") == "2023/24 Q2"))
        .then(2.0)
        .otherwise(pl.col("value"))
        .alias("value"),
    )
    return frames


@pytest.fixture(scope="module")
def small_env(tmp_path_factory):
    """The demo with a small district, built under its own folder; the app pointed at it for this module."""
    from pipelines.build import build_warehouse
    from pipelines.demo import build_demo_frames, write_inbox_files
    from pipelines.ingest import ingest_paths

    folder = tmp_path_factory.mktemp("small_groups")
    config = write_test_config(folder)
    settings = load_settings(config)
    inbox = settings.path("inbox") / "demo"
    write_inbox_files(inbox, build_demo_frames(settings, cld=True, adjust=shrink_small_area))
    results = ingest_paths([inbox], settings)
    assert all(r.status == "loaded" for r in results), [(r.file, r.status, r.message) for r in results]
    build_warehouse(settings)

    with app_config(config):
        yield settings


def test_the_small_district_is_small(small_env):
    """Guard: the cut-down district has the 1-4 counts the checks below rely on."""
    import duckdb

    con = duckdb.connect(str(small_env.path("warehouse")), read_only=True)
    try:
        for period in QUARTERS:
            dp, clients = con.sql(
                "select dp_recipients, community_clients from mart_dp_uptake where locality_code = ? and period = ?",
                params=[SMALL_AREA, period],
            ).fetchall()[0]
            pas, before = con.sql(
                "select active_pas, active_pas_year_before from mart_pa_workforce where locality_code = ? "
                "and period = ?",
                params=[SMALL_AREA, period],
            ).fetchall()[0]
            responses, very_good = con.sql(
                "select responses, top_box from mart_satisfaction where survey = 'dpss_customer' and "
                "question_code = 'overall_rating' and locality_code = ? and period = ?",
                params=[SMALL_AREA, period],
            ).fetchall()[0]
            reviewed = con.sql(
                "select outcomes_reviewed from mart_outcomes where review_reason = 'all' and locality_code = ? "
                "and period = ?",
                params=[SMALL_AREA, period],
            ).fetchall()[0][0]
            for value in (dp, clients, pas, before, responses, very_good, reviewed):
                assert 0 < value < small_env.suppression_threshold, (period, value)
        waiting = con.sql(
            "select people_waiting from mart_waiting_list where locality_code = ? and period = '2024/25 Q4'",
            params=[SMALL_AREA],
        ).fetchall()[0][0]
        new_isfs = con.sql(
            "select new_isfs from mart_isf_starts where locality_code = ? and period = '2024/25 Q3'",
            params=[SMALL_AREA],
        ).fetchall()[0][0]
        # The waiting list now comes from the CLD return, drawn from the district's four people, who are all in
        # support: none waits there (the two waiting referrals kept above no longer reach a figure).
        assert (waiting, new_isfs) == (0, 1)
    finally:
        con.close()


# --- What a number is ------------------------------------------------------------------------------------------

HIDDEN_CELLS = {"", "–", "-", "—", "none", "nan", "n/a", "suppressed", "not shown"}
NUMBER = re.compile(r"^[+−-]?£?\d[\d,]*(\.\d+)?%?$")
PERCENT_CELL = re.compile(r"^[+−-]?\d[\d,]*(\.\d+)?\s?%$|^\d+(\.\d+)?%? to \d+(\.\d+)?%$")
PEOPLE_WORDS = (
    r"people|person|persons|respondents?|responses|answered|PAs|Personal Assistants?|recipients|clients|"
    r"ISFs?|Individual Service Funds?|micro-?enterprises|CMEs?|referrals|reviews|reviewed|outcomes|achieved|"
    r"top.?box|very good|cases|waiting|users|carers|starts|new_isfs|active_pas|pas_on_payroll|dp_recipients|"
    r"community_clients|active_cmes|numerator|denominator"
)
PEOPLE = re.compile(rf"(?i)\b({PEOPLE_WORDS})\b")
NOT_A_COUNT = re.compile(
    r"(?i)%|pct|per ?cent|percent|share|rate|uptake|per 100|interval|ci_|lower|upper|limit|mean|change|growth|"
    r"target|plan\b|path|hours|£|cost|spend|gbp|days|weeks?|points|p.value|signific|forecast|project|position|"
    r"compared|against|quarter|period|year|name|area|district|code|comment|check|status|value_status|kpi\b"
)
RATE_HEADER = re.compile(r"(?i)(?<!\d)%(?! (?:low|high))|pct|per ?cent|percent|share|rate|uptake|per 100|interval|ci_")
REFERENCE = re.compile(r"(?i)target|published|ascof|england|region|national|plan|path|limit|average|mean|county")


def is_hidden(cell: str) -> bool:
    return cell.strip().lower() in HIDDEN_CELLS or cell.strip().startswith("<")


def number(cell) -> float | None:
    if cell is None or isinstance(cell, bool):
        return None
    if isinstance(cell, int | float):
        return None if cell != cell else float(cell)  # NaN
    text = str(cell).strip().replace("−", "-").replace("£", "").replace(",", "")
    if not NUMBER.match(text.replace("%", "")) and not NUMBER.match(text):
        return None
    try:
        return float(text.rstrip("%").strip())
    except ValueError:
        return None


def small(value: float | None, threshold: int) -> bool:
    return value is not None and 0 < value < threshold and float(value).is_integer()


def mentions_small_area(text: str) -> bool:
    return SMALL_NAME in text


# --- Checks on text ----------------------------------------------------------------------------------------------

X_OF_N = re.compile(r"(?<![\d.,£/])(\d[\d,]*)\s+of\s+(?:the\s+)?(\d[\d,]*)(?![\d,]*\.\d)(?!\s*%)(?P<after>.{0,40})")
NOT_PEOPLE_AFTER = re.compile(
    r"(?i)^\s*(KPIs?|contracts?|providers?|quarters?|returns?|districts?|areas?|measures?|near|limits?|with a "
    r"target|expected|files?|rows?|pages?|charts?)\b"
)
PCT_OF_N = re.compile(r"(\d+(?:\.\d+)?)\s?%\s+of\s+(?:the\s+)?(?:all\s+)?(<?\d[\d,]*)")
SMALL_COUNT_WORDS = (
    r"people|person|respondents?|PAs?|Personal Assistants?|ISFs?|Individual Service Funds?|(?:care )?micro-"
    r"enterprises|CMEs?|outcomes|recipients|clients|referrals|reviews|customers|new ISFs"
)
# A target, a published comparator or a method ("95% interval") is not a figure about the area.
NOT_THE_AREA = re.compile(
    r"(?i)target[^.;)]*?\d+(?:\.\d+)?%|\d+(?:\.\d+)?%[^.;,(]{0,20}target|\d+(?:\.\d+)?%(?:-a-year| a year)|"
    r"ASCOF[^.]*|England[:,]? \d+(?:\.\d+)?%|East of England[:,]? \d+(?:\.\d+)?%|\([^)]*is better[^)]*\)|"
    r"Counts from \d+ to \d+ are shown"  # the disclosure note: the threshold, not a count
)
# A whole number of people standing alone in a sentence about the small district ("(2 to 3)", "against 4 in").
LONE_SMALL = r"(?<![\w.,/£+−\-])({digits})(?![\w.,/%])(?!\s*(?:%|points?|quarters?|years?|months?|weeks?|days?|hours?))"


def small_base_shares(threshold: int) -> set[str]:
    """Every percentage a base below the threshold can give, as shown: '0.0%', '33.3%', '50.0%', '66.7%', '100.0%'..."""
    return {f"{100 * k / n:.1f}%" for n in range(1, threshold) for k in range(n + 1)}


def text_leaks(where: str, text: str, threshold: int, about_small_area: bool, context: str = "") -> list[str]:
    """Leaks in one piece of text; ``context`` (a table's caption and column) says what its numbers count."""
    leaks = []
    plain = text.replace("\\", "").replace("**", "")
    low = range(1, threshold)
    if not re.search(r"\bKPIs?\b", plain) and not re.search(r"(?i)\bKPIs?\b|contracts?\b|returns?\b", context):
        for m in X_OF_N.finditer(plain):
            x, n = number(m.group(1)), number(m.group(2))
            before = plain[max(0, m.start() - 6) : m.start()].lower()
            if NOT_PEOPLE_AFTER.match(m.group("after")) or "page" in before:
                continue
            if small(x, threshold) or small(n, threshold) or (x == 0 and small(n, threshold)):
                leaks.append(f"[{where}] '{m.group(0).strip()[:60]}' (x of n with a small number): {text[:160]!r}")
    for m in PCT_OF_N.finditer(plain):
        base = m.group(2)
        if base.startswith("<") or small(number(base), threshold):
            leaks.append(f"[{where}] '{m.group(0)}' (a percentage of a small base): {text[:160]!r}")
    digits = "|".join(str(i) for i in low)
    for m in re.finditer(
        rf"(?<![\d.,£+−\-:/])\b({digits})\s+(?:(?:more|new|fewer|other|active|different)\s+)?({SMALL_COUNT_WORDS})\b",
        plain,
    ):
        leaks.append(f"[{where}] '{m.group(0)}' (a small count of people): {text[:160]!r}")
    if about_small_area:
        rest = NOT_THE_AREA.sub(" ", plain)
        shares = small_base_shares(threshold)
        for m in re.finditer(r"(?<![\d.])\d+\.\d\s?%", rest):
            if m.group(0).replace(" ", "") in shares:
                leaks.append(f"[{where}] '{m.group(0)}' (a share of fewer than {threshold}): {text[:200]!r}")
        if SMALL_NAME in plain:
            for m in re.finditer(LONE_SMALL.format(digits=digits), rest):
                context = rest[max(0, m.start() - 30) : m.end() + 30]
                leaks.append(f"[{where}] '{m.group(0)}' in '…{context}…' (a small number about the small district)")
    return leaks


def metric_leaks(surface: Surface, threshold: int, small_page: bool) -> list[str]:
    leaks = []
    for m in surface.metrics:
        value = number(m.value)
        if PEOPLE.search(m.label) and not NOT_A_COUNT.search(m.label) and not re.search(r"\bKPIs?\b", m.label):
            if small(value, threshold):
                leaks.append(f"[{m.where}] {m.label}: {m.value} (a small count of people)")
        if small_page and not REFERENCE.search(m.label) and not re.search(r"\bKPIs?\b", m.label):
            if m.value.strip() in small_base_shares(threshold) or re.search(r"\d%? to \d", m.value):
                leaks.append(f"[{m.where}] {m.label}: {m.value} (a percentage of fewer than {threshold} people)")
    return leaks


# --- Checks on tables --------------------------------------------------------------------------------------------


def count_columns(table: TableShown) -> list[int]:
    return [
        i
        for i, c in enumerate(table.columns)
        if PEOPLE.search(c.replace("_", " ")) and not NOT_A_COUNT.search(c) and not re.search(r"\bKPIs?\b", c)
    ]


def rate_columns(table: TableShown) -> list[int]:
    rates = []
    for i, c in enumerate(table.columns):
        if REFERENCE.search(c):
            continue
        cells = [row[i] for row in table.rows if i < len(row) and not is_hidden(row[i])]
        if RATE_HEADER.search(c) or (cells and all(PERCENT_CELL.match(x.strip()) for x in cells)):
            rates.append(i)
    return rates


def area_column(table: TableShown, districts: list[str]) -> int | None:
    for i in range(len(table.columns)):
        cells = {re.sub(r" \(rural\)$", "", row[i]) for row in table.rows if i < len(row)}
        if sum(d in cells for d in districts) >= 2:
            return i
    return None


def table_leaks(table: TableShown, threshold: int, districts: list[str], county: str, small_page: bool) -> list[str]:
    leaks = []
    counts, rates = count_columns(table), rate_columns(table)
    area = area_column(table, districts)
    small_columns = [i for i, c in enumerate(table.columns) if SMALL_NAME in c]
    for r, row in enumerate(table.rows):
        where = f"{table.where} row {r + 1}"
        cells = dict(enumerate(row))
        row_area = re.sub(r" \(rural\)$", "", cells.get(area, "")) if area is not None else None
        shown_counts = {i: number(cells.get(i, "")) for i in counts}
        for i, value in shown_counts.items():
            if small(value, threshold):
                leaks.append(f"[{where}] {table.columns[i]} = {cells[i]} (a small count of people)")
        rests_on_small = any(cells.get(i, "").strip().startswith("<") for i in counts) or any(
            small(v, threshold) for v in shown_counts.values()
        )
        for i in rates:
            cell = cells.get(i, "")
            if is_hidden(cell) or not re.search(r"\d", cell):
                continue
            # A rate in the small district's row is shown only beside counts that are all shown and large (a rate
            # of people in a population of thousands, say); anywhere, never beside a count shown as '<5'.
            counts_shown_large = bool(counts) and all(v is not None for v in shown_counts.values())
            if rests_on_small:
                leaks.append(f"[{where}] {table.columns[i]} = {cell} beside a count below {threshold}: {row}")
            elif small_page and area is None and cell.strip() in small_base_shares(threshold):
                leaks.append(f"[{where}] {table.columns[i]} = {cell}, a share of fewer than {threshold}: {row}")
            elif row_area == SMALL_NAME and not counts_shown_large:
                leaks.append(f"[{where}] {table.columns[i]} = {cell} for the small district: {row}")
        if row_area == SMALL_NAME:
            for i in counts:
                value = shown_counts[i]
                if value is not None and value > 0:
                    leaks.append(f"[{where}] {table.columns[i]} = {cells[i]} for the small district")
        for i in small_columns:
            value = number(cells.get(i, ""))
            if value is not None and value != 0:
                leaks.append(f"[{where}] {table.columns[i]} = {cells[i]} (the small district's column)")
        for i, cell in cells.items():
            header = table.columns[i] if i < len(table.columns) else ""
            if i in counts or i in rates or re.search(r"\bKPIs?\b", header):
                continue
            if re.search(r"[a-z]|\d of \d", cell):
                leaks += text_leaks(f"{where} {header}", cell, threshold, False, context=f"{table.where} {header}")
    leaks += secondary_leaks(table, counts, area, threshold, districts, county)
    return leaks


def secondary_leaks(
    table: TableShown, counts: list[int], area: int | None, threshold: int, districts: list[str], county: str
) -> list[str]:
    """A hidden district recoverable as the county less the other districts, in one group of rows."""
    if area is None or not counts:
        return []
    keys = [
        i
        for i, c in enumerate(table.columns)
        if i != area and i not in counts and re.search(r"(?i)quarter|period|year|domain|question|survey|age", c)
    ]
    groups: dict[tuple, dict[str, list[str]]] = {}
    for row in table.rows:
        key = tuple(row[i] for i in keys if i < len(row))
        name = re.sub(r" \(rural\)$", "", row[area])
        groups.setdefault(key, {})[name] = row
    leaks = []
    for key, rows in groups.items():
        if county not in rows or not all(d in rows for d in districts):
            continue
        for i in counts:
            total = number(rows[county][i])
            parts = {d: rows[d][i] for d in districts}
            hidden = [d for d, cell in parts.items() if number(cell) is None]
            if total is None or len(hidden) != 1:
                continue
            recovered = total - sum(number(cell) for d, cell in parts.items() if d not in hidden)
            if small(recovered, threshold):
                leaks.append(
                    f"[{table.where} {key}] {table.columns[i]}: {hidden[0]} shown as {parts[hidden[0]]!r} is "
                    f"{recovered:g} = {county} {rows[county][i]} less the other districts"
                )
    return leaks


# --- Checks on charts --------------------------------------------------------------------------------------------


def flat(values) -> list:
    if values is None:
        return []
    if isinstance(values, dict):  # plotly's typed arrays: {"dtype": ..., "bdata": ...}
        import base64

        import numpy as np

        if "bdata" in values:
            data = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
            return data.reshape(-1).tolist()
        return []
    if isinstance(values, list | tuple):
        out = []
        for v in values:
            out += flat(v) if isinstance(v, list | tuple | dict) else [v]
        return out
    return [values]


def chart_leaks(chart: ChartShown, threshold: int, districts: list[str], county: str, small_page: bool) -> list[str]:
    leaks = []
    layout = chart.spec.get("layout", {})
    title = chart.title.replace("<br>", " ")
    y_axis = layout.get("yaxis", {}) or {}
    y_title = y_axis.get("title", {})
    y_title = y_title.get("text", "") if isinstance(y_title, dict) else str(y_title or "")
    percent = y_axis.get("ticksuffix") == "%" or "%" in y_title or bool(RATE_HEADER.search(f"{title} {y_title}"))
    counts = not percent and bool(PEOPLE.search(f"{y_title} {title}")) and not NOT_A_COUNT.search(y_title)
    about_small = SMALL_NAME in title
    traces = chart.spec.get("data", [])
    for t, trace in enumerate(traces):
        name = str(trace.get("name") or "")
        where = f"{chart.where} {title[:50]!r} trace {name or t + 1!r}"
        reference = bool(REFERENCE.search(name)) and SMALL_NAME not in name
        ys = flat(trace.get("y")) if trace.get("orientation") != "h" else flat(trace.get("x"))
        xs = flat(trace.get("x")) if trace.get("orientation") != "h" else flat(trace.get("y"))
        texts = [str(v) for v in flat(trace.get("text")) + flat(trace.get("hovertext")) if v is not None]
        texts += [str(v) for v in flat(trace.get("customdata")) if isinstance(v, str)]
        templates = flat(trace.get("hovertemplate")) + flat(trace.get("texttemplate"))
        for text in texts + [str(v) for v in templates if v]:
            leaks += text_leaks(where, text, threshold, False)
        if counts and not reference:
            for y in ys:
                if small(number(y), threshold):
                    leaks.append(f"[{where}] y = {y} (a small count of people)")
            for text in texts:
                if re.fullmatch(r"\s*[1-4]\s*", text) and small(number(text), threshold):
                    leaks.append(f"[{where}] label {text!r} (a small count of people)")
        numeric_custom = [v for v in flat(trace.get("customdata")) if isinstance(v, int | float)]
        if counts or about_small:
            for v in numeric_custom:
                if small(number(v), threshold):
                    leaks.append(f"[{where}] customdata {v} (a small count of people)")
        # The small district's own series, its bar or point, and every series of a chart about it.
        own = (percent or counts) and (SMALL_NAME in name or (about_small and not reference))
        # Its rates all rest on small counts; its counts (recorded or forecast) must not be drawn between 0 and 5.
        shown = [y for y in ys if number(y) is not None and (percent or 0 < number(y) < threshold)]
        if own and shown:
            leaks.append(f"[{where}] values {shown[:6]} drawn for the small district")
        for x, y in zip(xs, ys, strict=False):
            if isinstance(x, str) and SMALL_NAME in x and number(y) is not None and (percent or number(y) != 0):
                leaks.append(f"[{where}] {x}: {y} drawn for the small district")
        labels = flat(trace.get("text"))
        if isinstance(trace.get("text"), list) and xs and len(labels) == len(xs):
            for x, label in zip(xs, labels, strict=False):
                if isinstance(x, str) and SMALL_NAME in x and label not in (None, "", "–", "<5") and label != "0":
                    leaks.append(f"[{where}] label {label!r} on the small district's bar")
    leaks += chart_secondary_leaks(chart, threshold, districts, county, counts)
    return leaks


def chart_secondary_leaks(
    chart: ChartShown, threshold: int, districts: list[str], county: str, counts: bool
) -> list[str]:
    if not counts:
        return []
    series = {str(t.get("name")): (flat(t.get("x")), flat(t.get("y"))) for t in chart.spec.get("data", [])}
    if county not in series or not all(d in series for d in districts):
        return []
    leaks = []
    xs, totals = series[county]
    for k, x in enumerate(xs):
        values = {d: dict(zip(*series[d], strict=False)).get(x) for d in districts}
        hidden = [d for d, v in values.items() if number(v) is None]
        total = number(totals[k]) if k < len(totals) else None
        if total is None or len(hidden) != 1:
            continue
        recovered = total - sum(number(v) for d, v in values.items() if d not in hidden)
        if small(recovered, threshold):
            leaks.append(f"[{chart.where} {chart.title[:50]!r} at {x}] {hidden[0]} = {recovered:g} from the county")
    return leaks


# --- A surface ---------------------------------------------------------------------------------------------------


def surface_leaks(surface: Surface, settings, small_page: bool, shares: list | None = None) -> list[str]:
    """Every leak on ``surface``; ``shares`` are the area's shares over small bases (``small_shares``)."""
    threshold = settings.suppression_threshold
    districts = [loc.name for loc in settings.localities]
    county = settings.locality_name(settings.council.code)
    leaks = []
    for name, about, shown in shares or []:
        token = re.compile(rf"(?<![\d.]){re.escape(shown)}")
        for unit in surface.units():
            if about.search(unit.text) and token.search(unit.text):
                leaks.append(f"[{unit.where}] {name} {shown} rests on fewer than {threshold}: {unit.text[:200]!r}")
    for unit in surface.texts:
        leaks += text_leaks(unit.where, unit.text, threshold, small_page or mentions_small_area(unit.text))
    for m in surface.metrics:
        leaks += text_leaks(m.where, f"{m.delta} {m.help}", threshold, small_page)
    leaks += metric_leaks(surface, threshold, small_page)
    for table in surface.tables:
        leaks += table_leaks(table, threshold, districts, county, small_page)
    for chart in surface.charts:
        leaks += chart_leaks(chart, threshold, districts, county, small_page)
    return [f"{surface.name}: {leak}" for leak in dict.fromkeys(leaks)]


SHARES = (
    (
        "DP uptake",
        r"(?i)DP uptake|direct payment uptake|took a direct payment",
        "select 100.0 * dp_recipients / community_clients, dp_recipients, community_clients from mart_dp_uptake "
        "where locality_code = ? and period = ?",
    ),
    (
        "PA growth",
        r"(?i)\bgrowth\b|\bgrew\b",
        "select growth_pct, active_pas, active_pas_year_before from mart_pa_workforce "
        "where locality_code = ? and period = ?",
    ),
    (
        "DPSS very good",
        r"(?i)very good",
        "select top_box_pct, top_box, responses from mart_satisfaction where survey = 'dpss_customer' "
        "and question_code = 'overall_rating' and locality_code = ? and period = ?",
    ),
    (
        "Outcomes achieved",
        r"(?i)achieved",
        "select achieved_pct, achieved, outcomes_reviewed from mart_outcomes where review_reason = 'all' "
        "and locality_code = ? and period = ?",
    ),
)


def small_shares(settings, code: str, quarter: str) -> list[tuple[str, re.Pattern, str]]:
    """The area's headline shares in ``quarter`` that rest on a count below the threshold, as they would be shown."""
    import duckdb

    threshold = settings.suppression_threshold
    found = []
    with duckdb.connect(str(settings.path("warehouse")), read_only=True) as con:
        for name, about, sql in SHARES:
            for value, *counts in con.sql(sql, params=[code, quarter]).fetchall():
                if value is not None and any(c is not None and 0 < c < threshold for c in counts):
                    found.append((name, re.compile(about), f"{value:.1f}%"))
    return found


def report(leaks: list[str], heading: str, limit: int = 60) -> str:
    """The leaks, one line per kind (the same leak in other rows or quarters counted, not repeated)."""
    kinds: dict[str, list[str]] = {}
    for leak in leaks:
        kinds.setdefault(re.sub(r"\d[\d.,]*", "#", leak)[:150], []).append(leak)
    lines = [
        f"{same[0]}" + (f"  (and {len(same) - 1} more like it)" if len(same) > 1 else "") for same in kinds.values()
    ]
    more = f"\n… and {len(lines) - limit} more kinds" if len(lines) > limit else ""
    return f"{len(leaks)} leak(s) {heading}:\n" + "\n".join(lines[:limit]) + more


def render(page: str, settings, spc: bool = True, **query) -> Surface:
    """A page (each of its tabs) with every download read, and (``spc``) again with every SPC view switched on, its
    charts added, and every view a tab shows one at a time (its other charts, TAB_VIEWS)."""
    surface = Surface(f"{page} {query}")
    for tab in TABS.get(page, (None,)):
        surface.add(render_tab(page, spc, **query, **({"tab": tab} if tab else {})))
        for view in TAB_VIEWS.get((page, tab), []) if spc else []:
            surface.add(render_tab(page, False, **query, tab=tab, **view))
    return surface


def render_tab(page: str, spc: bool = True, **query) -> Surface:
    at = run_app(page, **query)
    surface = page_surface(at, f"{page} {query}")
    toggles = [t for t in at.toggle if (t.key or "").startswith("spc-")] if spc else []
    if toggles:
        for toggle in toggles:
            toggle.set_value(True)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        spc = page_surface(at, surface.name, downloads=False)
        surface.charts += [ChartShown(f"SPC view {c.where}", c.spec) for c in spc.charts]
    return surface


def areas(settings) -> list[str]:
    return [settings.council.code, *[loc.code for loc in settings.localities]]


# --- Tests -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("quarter", QUARTERS)
@pytest.mark.parametrize("page", LOCAL_PAGES)
def test_no_page_shows_a_small_number_for_any_area(small_env, page, quarter):
    leaks = []
    for code in areas(small_env):
        try:
            # SPC views (a second run) for the county and the small district: the others draw the same way.
            spc = code in (small_env.council.code, SMALL_AREA)
            surface = render(page, small_env, spc=spc, locality=code, period=quarter)
        except AssertionError as exc:
            leaks.append(f"{page} for {code}: the page failed, so what it shows could not be checked: {exc}"[:400])
            continue
        shares = small_shares(small_env, code, quarter)
        leaks += surface_leaks(surface, small_env, small_page=code == SMALL_AREA, shares=shares)
    assert not leaks, report(leaks, f"on {page}, {quarter}")


@pytest.mark.parametrize("quarter", QUARTERS)
def test_provider_kpis_and_their_downloads_show_no_small_number(small_env, quarter):
    wh = Warehouse(small_env)
    leaks = []
    for contract in wh.contracts()["contract_id"].to_list():
        kpis = [None]
        if contract.startswith("ISF"):
            kpis = ["isf_new", "isf_plan_current"]
        for kpi in kpis:
            query = {"period": quarter, "contract": contract} | ({"kpi": kpi} if kpi else {})
            try:
                surface = render("provider_kpis.py", small_env, **query)
            except AssertionError as exc:
                leaks.append(f"provider_kpis.py {query}: the page failed, so it could not be checked: {exc}"[:400])
                continue
            leaks += surface_leaks(surface, small_env, small_page=False)
    assert not leaks, report(leaks, f"on Provider KPIs, {quarter}")


def test_a_proportion_kpi_over_four_people_is_not_shown(small_env):
    """3 of 4 people with an up-to-date plan: neither 75.0% nor '3 of 4' on the page or in its downloads."""
    contract, kpi, period, numerator, denominator = SMALL_KPI
    surface = render("provider_kpis.py", small_env, period=period, contract=contract, kpi=kpi)
    shown = f"{100 * numerator / denominator:.1f}%"
    found = [u for u in surface.units() if re.search(rf"(?<![\d.]){re.escape(shown)}", u.text)]
    for chart in surface.charts:
        for trace in chart.spec.get("data", []):
            if any(number(y) == pytest.approx(100 * numerator / denominator, abs=0.05) for y in flat(trace.get("y"))):
                found.append(f"{chart.where} {chart.title!r} trace {trace.get('name')!r}")
    assert not found, [getattr(u, "text", u)[:200] if not isinstance(u, str) else u for u in found]


def test_the_data_page_shows_no_small_number(small_env):
    surface = render("data.py", small_env)
    leaks = surface_leaks(surface, small_env, small_page=False)
    assert not leaks, report(leaks, "on the Data page")


@pytest.mark.parametrize("quarter", QUARTERS)
def test_the_committee_pack_shows_no_small_number_for_any_area(small_env, quarter):
    from dashboard.pack import build_pack

    wh = Warehouse(small_env)
    leaks = []
    for code in areas(small_env):
        shares = small_shares(small_env, code, quarter)
        for surface in pack_surfaces(build_pack(wh, quarter, code)).values():
            surface.name = f"pack for {code}, {surface.name}"
            leaks += surface_leaks(surface, small_env, small_page=code == SMALL_AREA, shares=shares)
    assert not leaks, report(leaks, f"in the committee pack, {quarter}")


def test_the_checks_catch_the_issue_s_examples(demo_env):
    """The checks above are only as good as what they catch: the leaks the issue found, on a hand-made surface."""
    from tests.app.surfaces import MetricShown, Text

    surface = Surface(
        "hand-made",
        texts=[
            Text("tooltip", "4 of 8 rated the service very good"),
            Text("sentence", "50.0% of 4 respondents rated the service very good."),
            Text("sentence", "Fenland set up 3 new ISFs this quarter."),
            Text("sentence", f"Direct payment uptake in {SMALL_NAME} is 66.7% in 2024/25 Q4."),
        ],
        metrics=[MetricShown("metric", "People waiting for care", "2", "", "")],
        tables=[
            TableShown(
                "survey table",
                ["Area", "Respondents", "Rated very good", "Very good (%)", "95% interval"],
                [["Fenland", "4", "<5", "50.0%", "15.00 to 85.00"]],
            ),
            TableShown(
                "outcomes by area",
                ["Quarter", "Area", "Outcomes reviewed"],
                [["2024/25 Q4", name, count] for name, count in DISTRICT_COUNTS] + [["2024/25 Q4", COUNTY, "412"]],
            ),
        ],
        charts=[
            ChartShown(
                "chart",
                {
                    "data": [{"name": "Fenland", "x": ["2024/25 Q4"], "y": [2.0], "customdata": ["2 of 4"]}],
                    "layout": {"title": {"text": "New ISFs set up"}, "yaxis": {"title": {"text": "New ISFs"}}},
                },
            )
        ],
    )
    leaks = "\n".join(surface_leaks(surface, demo_env, small_page=False))
    for example in (
        "'4 of 8",
        "'50.0% of 4'",
        "'3 new ISFs'",
        "66.7%",
        "People waiting for care: 2",
        "Respondents = 4",
        "Very good (%) = 50.0%",
        "95% interval = 15.00 to 85.00",
        f"{SMALL_NAME} shown as '<5' is 3",
        "y = 2.0",
        "'2 of 4'",
    ):
        assert example in leaks, f"not caught: {example}\n{leaks}"


COUNTY = "Cambridgeshire (all)"
DISTRICT_COUNTS = [
    ("Cambridge", "101"),
    (SMALL_NAME, "<5"),
    ("Fenland", "98"),
    ("Huntingdonshire", "110"),
    ("South Cambridgeshire", "100"),
]
