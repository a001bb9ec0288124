"""Provider KPIs: each contract's quarterly return against its targets; missing returns flagged."""

import polars as pl
import streamlit as st

from dashboard import queries
from dashboard.components import suppress_small_counts
from dashboard.filters import period

quarter = period()
st.title("Provider KPIs")

contracts = queries.contracts()
labels = {
    r["contract_id"]: f"{r['contract_id']} – {r['provider']} ({r['contract_type'].replace('_', ' ')})"
    for r in contracts.iter_rows(named=True)
}
contract = st.selectbox("Contract", list(labels), format_func=labels.get, key="contract")

status = queries.return_status(contract).filter(pl.col("period") == quarter)
returns = queries.kpi_returns(contract).filter(pl.col("period") == quarter)

if status.height and not status["return_received"][0]:
    st.error(
        f"⚠️ Missing return: {labels[contract]} has not submitted its {quarter} return. Its KPIs are not shown as zero."
    )
elif returns.is_empty():
    st.info(f"No return is expected from {contract} for {quarter}.")
else:
    met = returns.with_columns(
        pl.when(pl.col("target").is_null())
        .then(pl.lit("no target"))
        .when(pl.col("higher_is_better") == (pl.col("value") >= pl.col("target")))
        .then(pl.lit("met"))
        .when(pl.col("value") == pl.col("target"))
        .then(pl.lit("met"))
        .otherwise(pl.lit("not met"))
        .alias("target_status"),
        pl.when(pl.col("higher_is_better"))
        .then(pl.lit("higher is better"))
        .otherwise(pl.lit("lower is better"))
        .alias("direction"),
    )
    st.metric(
        f"KPIs meeting target, {quarter}",
        f"{met.filter(pl.col('target_status') == 'met').height} of "
        f"{met.filter(pl.col('target_status') != 'no target').height}",
    )
    st.dataframe(
        suppress_small_counts(
            met.select("kpi_name", "value", "unit", "target", "direction", "target_status", "comment"), []
        ),
        hide_index=True,
        width="stretch",
    )

missing = queries.missing_returns()
if missing.height:
    st.subheader("Missing returns, all contracts")
    st.dataframe(missing.select("contract_id", "provider", "period"), hide_index=True)
