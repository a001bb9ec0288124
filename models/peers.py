"""Open peer groups: each council's nearest neighbours on published characteristics.

Follows the open approach of NHS England's adult social care peer groups (NHSDigital/ASC_LA_Peer_Groups):
standardise a few published characteristics of every council, measure the distance between councils, and
take the nearest as its peers. The shipped open data give population size and age structure (ONS mid-year
estimates); rurality and deprivation are not in them, so the kind of council (shire county, unitary,
metropolitan district, London borough) stands in for settlement pattern: peers are drawn from councils of
the same kind, as LG Inform's and CIPFA's groups largely are. The CIPFA list itself is not open data; a
council that licenses it can load it instead (``pipelines/peers.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

FEATURES = ("log_population_18_plus", "pct_65_plus_of_adults", "pct_85_plus_of_adults")


def nearest_neighbours(
    councils: pl.DataFrame,
    k: int = 15,
    features: Sequence[str] = FEATURES,
    group: str | None = "kind",
) -> pl.DataFrame:
    """The ``k`` nearest councils to each council on standardised ``features``.

    Parameters
    ----------
    councils : polars.DataFrame
        One row per council: ``council_code``, the ``features`` columns and, if given, the ``group`` column.
        Rows with a missing feature get no peers and are no one's peer.
    k : int, default 15
        Peers per council (fewer where its group is smaller).
    features : sequence of str
        Numeric columns, each standardised to mean 0 and standard deviation 1 over all councils, so that
        no characteristic weighs more because of its unit.
    group : str or None, default "kind"
        Peers come only from councils with the same value in this column; None compares all councils.

    Returns
    -------
    polars.DataFrame
        ``council_code``, ``peer_code``, ``rank`` (1 = nearest) and ``distance`` (Euclidean, in standard
        deviations), ordered by council and rank. Ties are broken by code so the result is stable.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    usable = councils.drop_nulls(list(features)).sort("council_code")
    if usable.is_empty():
        return pl.DataFrame(
            schema={"council_code": pl.String, "peer_code": pl.String, "rank": pl.Int32, "distance": pl.Float64}
        )
    x = usable.select(features).to_numpy().astype(float)
    sd = x.std(axis=0)
    z = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    distance = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    codes = usable["council_code"].to_list()
    groups = usable[group].to_list() if group else [None] * len(codes)
    rows: dict[str, list] = {"council_code": [], "peer_code": [], "rank": [], "distance": []}
    for i, code in enumerate(codes):
        candidates = [j for j in range(len(codes)) if j != i and groups[j] == groups[i]]
        candidates.sort(key=lambda j: (distance[i, j], codes[j]))
        for rank, j in enumerate(candidates[:k], start=1):
            rows["council_code"].append(code)
            rows["peer_code"].append(codes[j])
            rows["rank"].append(rank)
            rows["distance"].append(float(distance[i, j]))
    return pl.DataFrame(
        rows, schema={"council_code": pl.String, "peer_code": pl.String, "rank": pl.Int32, "distance": pl.Float64}
    )
