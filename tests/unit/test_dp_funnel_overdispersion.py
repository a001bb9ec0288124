"""The DP district funnel both ways, with a worked example (Spiegelhalter 2005, arcsine scale as FunnelPlotR).

Five districts of 400 people each with 100, 40, 70, 90 and 50 on a direct payment: pooled p0 = 350 / 2000 = 17.5%.
Arcsine z-scores, (asin sqrt(x/n) - asin sqrt(p0)) x sqrt(4 x 400):  3.680, -4.394, 0, 2.504, -2.810.
Winsorised at the 10th and 90th percentiles (-3.760, 3.210), their mean square is phi = 7.72; so
tau2 = (5 x 7.72 - 4) / (5 x 1600 - 5 x 1600^2 / 8000) = 0.005407, and the 95% limits widen from
17.5% +/- chance alone (13.9% to 21.3%, exact binomial) to sin^2(asin sqrt(0.175) +/- 1.96 sqrt(1/1600 + tau2)),
7.6% to 30.4%: the four districts outside chance alone are all inside once overdispersion is allowed for.
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from dashboard.present.direct_payments import district_funnels

NAMES = ["Ashby", "Barton", "Carlton", "Denby", "Elton"]
COUNTY = "E10000099"


def frames(recipients: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    codes = [f"E0700009{i}" for i in range(5)]
    raw = pl.DataFrame(
        {
            "locality_code": codes,
            "locality_name": NAMES,
            "dp_recipients": [float(x) for x in recipients],
            "community_clients": [400.0] * 5,
        }
    )
    at = raw.with_columns(
        dp_recipients_text=pl.col("dp_recipients").cast(pl.Int64).cast(pl.String),
        community_clients_text=pl.lit("400"),
        uptake_pct=100 * pl.col("dp_recipients") / pl.col("community_clients"),
    )
    return raw, at


def verdicts(funnel) -> dict[str, str]:
    return {row[0]: row[-1] for row in funnel.chart.table.rows}


def test_overdispersion_widens_the_limits_by_the_worked_amount():
    raw, at = frames([100, 40, 70, 90, 50])
    funnels = district_funnels(raw, at, COUNTY, "E07000090", "2024/25 Q4", 25.0)
    plain, widened = funnels["binomial"], funnels["overdispersed"]
    assert verdicts(plain) == {
        "Ashby": "Well above average",
        "Barton": "Well below average",
        "Carlton": "Within chance",
        "Denby": "Above average",
        "Elton": "Below average",
    }
    assert plain.outside == 4
    assert plain.sentence.text == "4 districts lie outside the 95% limits of chance alone."
    assert set(verdicts(widened).values()) == {"Within chance"}
    assert widened.outside == 0
    assert widened.sentence.text == (
        "The districts differ more than chance alone would make them (overdispersion ratio 7.72 on the arcsine "
        "scale; 1 would be chance alone), so the limits are widened by that extra variation: No district lies "
        "outside the 95% limits, against 4 with chance alone."
    )
    # The drawn funnel is the one the verdicts used: at n = 400 its 95% limits are the worked 7.6% and 30.4%.
    tau2 = (5 * 7.721465 - 4) / (5 * 1600 - 5 * 1600**2 / 8000)
    centre = math.asin(math.sqrt(0.175))
    upper, lower = (t for t in widened.chart.figure.to_plotly_json()["data"] if t.get("name") == "95% limits")
    i = min(range(len(upper["x"])), key=lambda k: abs(upper["x"][k] - 400))  # the curve's point nearest 400
    n = upper["x"][i]
    assert abs(n - 400) <= 6
    half = 1.959964 * math.sqrt(1 / (4 * n) + tau2)
    assert upper["y"][i] == pytest.approx(100 * math.sin(centre + half) ** 2, abs=0.01)
    assert lower["y"][i] == pytest.approx(100 * math.sin(centre - half) ** 2, abs=0.01)
    assert upper["y"][i] == pytest.approx(30.4, abs=0.1) and lower["y"][i] == pytest.approx(7.6, abs=0.1)


def test_districts_no_more_spread_than_chance_keep_their_limits():
    raw, at = frames([70, 68, 72, 71, 69])
    funnels = district_funnels(raw, at, COUNTY, "E07000090", "2024/25 Q4", 25.0)
    assert verdicts(funnels["overdispersed"]) == verdicts(funnels["binomial"])
    assert funnels["overdispersed"].sentence.text.startswith(
        "The districts differ no more than chance alone would make them (overdispersion ratio 0."
    )
    assert funnels["overdispersed"].sentence.text.endswith(
        "so the limits stay as they are: No district lies outside them."
    )
