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

    def outcomes(self, locality_code: str, review_reason: str = "all") -> pl.DataFrame:
        return self.q(
            "select * from mart_outcomes where locality_code = ? and review_reason = ? order by quarter_end",
            locality_code,
            review_reason,
        )

    def outcomes_by_reason(self, locality_code: str, period: str) -> pl.DataFrame:
        return self.q(
            "select * from mart_outcomes where locality_code = ? and period = ? and review_reason <> 'all' "
            "order by review_reason",
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

    def care_home_admissions(self, locality_code: str) -> pl.DataFrame:
        """ASCOF 2B/2C from CLD: admissions per 100,000 over the twelve months to each quarter, by age band."""
        return self.q(
            "select * from mart_cld_care_home_admissions where locality_code = ? order by quarter_end, age_band",
            locality_code,
        )

    def cld_ascof_3d(self, locality_code: str) -> pl.DataFrame:
        """ASCOF 3D parts from CLD at each quarter, with the published value beside each year end."""
        return self.q(
            "select * from mart_cld_ascof_3d where locality_code = ? order by quarter_end, ascof_code", locality_code
        )

    def outcomes_all_localities(self, period: str) -> pl.DataFrame:
        return self.q("select * from mart_outcomes where period = ? order by locality_code, review_reason", period)

    def dpss_use(self) -> pl.DataFrame:
        return self.q("select * from mart_dpss_use order by quarter_end")

    def benchmark_values(self) -> pl.DataFrame:
        """Published ASCOF values of every current council and England, with each measure's unit and direction."""
        return self.q(
            "select m.year, m.area_code, m.area_name, m.measure, m.value, m.numerator, m.denominator, "
            "m.margin_of_error, m.basis, i.name as measure_name, i.unit, "
            "i.higher_is_better = 'true' as higher_is_better, "
            "i.interval from mart_ascof as m join ref_ascof_national_measure as i on i.measure = m.measure "
            "left join dim_council as c on c.council_code = m.area_code "
            "where (c.current or m.area_code = 'E92000001') and m.value is not null order by m.measure, m.year"
        )

    def peer_codes(self, council_code: str, method: str) -> list[str]:
        """The council's peers (nearest first) in the chosen peer group."""
        frame = self.q(
            "select peer_code from mart_peer_groups where council_code = ? and method = ? order by rank",
            council_code,
            method,
        )
        return frame["peer_code"].to_list()
