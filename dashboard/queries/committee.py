"""Queries for the committee pages: DP uptake, ASCOF comparators, workforce, satisfaction, outcomes."""

from __future__ import annotations

import polars as pl


class CommitteeQueries:
    """Named queries, mixed into :class:`dashboard.queries.core.Warehouse` (which provides ``q``)."""

    def dp_uptake(self, locality_code: str | None = None) -> pl.DataFrame:
        """DP uptake per quarter (all localities and the county, or one)."""
        return self.q(
            "select * from mart_dp_uptake where ? is null or locality_code = ? order by quarter_end, locality_code",
            locality_code,
            locality_code,
        )

    def dp_uptake_at(self, period: str) -> pl.DataFrame:
        return self.q("select * from mart_dp_uptake where period = ? order by locality_code", period)

    def ascof(self, measure: str) -> pl.DataFrame:
        """Published ASCOF values of one stable measure for every area, by year."""
        return self.q("select * from mart_ascof where measure = ? order by area_code, year", measure)

    def pa_workforce(self, locality_code: str | None = None) -> pl.DataFrame:
        return self.q(
            "select * from mart_pa_workforce where ? is null or locality_code = ? order by quarter_end, locality_code",
            locality_code,
            locality_code,
        )

    def satisfaction(self, survey: str, question_code: str, locality_code: str) -> pl.DataFrame:
        return self.q(
            "select * from mart_satisfaction where survey = ? and question_code = ? and locality_code = ? "
            "order by quarter_end",
            survey,
            question_code,
            locality_code,
        )

    def outcomes(self, locality_code: str, outcome_domain: str = "all") -> pl.DataFrame:
        return self.q(
            "select * from mart_outcomes where locality_code = ? and outcome_domain = ? order by quarter_end",
            locality_code,
            outcome_domain,
        )

    def outcomes_by_domain(self, locality_code: str, period: str) -> pl.DataFrame:
        return self.q(
            "select * from mart_outcomes where locality_code = ? and period = ? and outcome_domain <> 'all' "
            "order by outcome_domain",
            locality_code,
            period,
        )

    def headline_measures(self, locality_code: str) -> pl.DataFrame:
        """Every headline measure's quarterly values for one area, with direction and target."""
        return self.q(
            "select * from mart_headline_measures where locality_code = ? order by display_order, quarter_end",
            locality_code,
        )

    def isf_starts(self, locality_code: str) -> pl.DataFrame:
        return self.q("select * from mart_isf_starts where locality_code = ? order by quarter_end", locality_code)

    def cme_capacity(self, locality_code: str) -> pl.DataFrame:
        return self.q("select * from mart_cme_capacity where locality_code = ? order by quarter_end", locality_code)

    def satisfaction_by_locality(self, survey: str, question_code: str) -> pl.DataFrame:
        return self.q(
            "select * from mart_satisfaction where survey = ? and question_code = ? "
            "order by quarter_end, locality_code",
            survey,
            question_code,
        )

    def outcomes_all_localities(self, period: str) -> pl.DataFrame:
        return self.q("select * from mart_outcomes where period = ? order by locality_code, outcome_domain", period)

    def dpss_use(self) -> pl.DataFrame:
        return self.q("select * from mart_dpss_use order by quarter_end")
