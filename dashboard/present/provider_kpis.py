"""Provider KPIs: a contract manager's quarterly review of one contract, and the pack's summary of every contract.

One presenter for the Provider KPIs page, the review's Excel and PDF exports and the committee pack's
provider KPI summary, so the four say the same thing in the same words:

- the return's status for the quarter (missing, late, incomplete) and the actions agreed last time;
- the scorecard: each KPI's value, target (always with its direction and amber tolerance), RAG in words,
  changes, SPC signal and assurance, checks on where the figure came from, and the provider's comment;
- one KPI in detail: its XmR chart with the targets in force and its data as a table;
- the comparison with the other providers of the same contract type (funnel plot, table, outliers);
- the returns received, and every contract's missing and late returns.

Disclosure control: a KPI counted in people (unit "count") is personal, so values from 1 to threshold - 1
are shown as ``<5``; a proportion whose numerator or denominator is that small is not shown ('–'), nor is
a change, chart point or sparkline resting on either. Numerators and denominators (the funnel's, the
checks', the data sheet's) are shown as ``<5`` when small, and providers with small ones are left off the
funnel. Providers and contracts are not personal: counts of them are shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import polars as pl

from dashboard import review_actions, review_notes
from dashboard.charts.kpi import RAG_BARS, kpi_funnel_figure, kpi_spc_figure, rag_bars_figure
from dashboard.formatting import by_unit, pct
from dashboard.present.blocks import Block, Chart, Metric, Note, Paragraph, RagCell, Table
from dashboard.present.disclosure import HIDDEN, Disclosure
from dashboard.present.headlines import direction_words, target_words
from dashboard.queries import Warehouse
from dashboard.signals import assurance_label, variation_label
from models.funnel import estimate_overdispersion, funnel_table
from models.scorecard import SPARKLINE_QUARTERS, KpiHistory, kpi_history, provider_changes, scorecard, summary
from pipelines.registry import kpi_change_points

STATUS_WORDS = {"missing return": "No return", "not reported": "Not in the return"}
TIMELINESS_WORDS = {
    "on time": "Received on time",
    "late": "Received late",
    "received": "Received (loaded with earlier history, so its arrival date is not judged)",
    "missing": "Missing return",
    "not yet due": "Not yet due",
}
TIMELINESS_SHORT = {
    "on time": "On time",
    "late": "Late",
    "received": "Received",
    "missing": "Missing",
    "not yet due": "Not yet due",
}
CALCULATION_WORDS = {
    "proportion": "numerator as a percentage of the denominator",
    "ratio": "numerator divided by denominator",
    "reported": "the provider's reported value",
}
CONTRACT_TYPES = {"dpss": "DPSS", "home_care": "home care", "isf": "ISF"}
# Pale fills behind RAG words on screen and in Excel (the word carries the meaning; the colour helps scanning).
RAG_FILLS = {"green": "#C6EFCE", "amber": "#FFEB9C", "red": "#FFC7CE"}
NO_VALUE = "No value to rate"

RAG_EXPLAINED = (
    "RAG compares the value with the target in force that quarter: green meets it, amber is short of it by no more "
    "than the amber tolerance shown with the target, red is further off. SPC (statistical process control, NHS "
    "‘Making Data Count’) says whether a change is more than everyday variation; assurance, whether the target is "
    "met reliably as things are."
)
SPC_HOW_TO_READ = (
    "Points outside the dotted process limits, runs of 7 on one side of the mean and trends of 7 are special "
    "causes: blue circles are improvements, orange diamonds concerns. The dashed step line is the target in force "
    "each quarter; quarters without a return are marked, never drawn as zero."
)
FUNNEL_HOW_TO_READ = (
    "Each point is a provider; the funnel shows how far from the providers' average a result can fall by chance, "
    "for its size. Points outside the 99.8% lines are very unlikely to be chance."
)
OVERDISPERSION_HELP = (
    "Widen the limits by the real differences between providers (Spiegelhalter 2005). Unreliable with fewer than "
    "about ten providers."
)
SCORECARD_COLUMNS = [
    "KPI",
    "Value",
    "Target",
    "RAG",
    "Change on last quarter",
    "Change on same quarter last year",
    "Variation (SPC)",
    "Assurance (SPC)",
    "Checks",
    "Provider's comment",
]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# Words and numbers -------------------------------------------------------------------------------------


def kpi_value(value: float | None, unit: str, disclosure: Disclosure) -> str:
    """A KPI value in its unit: '3.7%', '28.2 days', '£154,072'; a count of people below the threshold '<5'."""
    if _missing(value):
        return "–"
    if unit == "count":
        return disclosure.count(value)
    return by_unit(value, unit)


def target_text(target: float | None, unit: str, higher_is_better: bool | None, amber: float | None) -> str:
    """'1.0% (lower is better; amber within 0.5 points)': a KPI's target in the words every surface uses."""
    return target_words(target, unit, higher_is_better, amber)


def change_text(change: float | None, unit: str, higher_is_better: bool | None) -> str:
    """'Up 1.2 points, better': the size of a change in words and whether it is good news.

    Words rather than a leading '+', which a spreadsheet would read as the start of a formula.
    """
    if _missing(change):
        return "–"
    decimals = 0 if unit in ("count", "hours", "gbp") else 1
    size = round(abs(change), decimals)
    if change == 0:
        return "No change"
    if size == 0:
        return "About the same"  # too small to show: neither better nor worse
    if unit == "gbp":
        amount = f"£{size:,.0f}"
    elif unit == "count":
        amount = f"{size:,.0f}"
    else:
        word = {"percent": "point", "hours": "hour", "days": "day"}.get(unit, unit)
        plural = word if size == 1 or word == unit else f"{word}s"
        amount = f"{size:,.{decimals}f} {plural}"
    words = f"{'Up' if change > 0 else 'Down'} {amount}"
    if higher_is_better is None:
        return words
    return f"{words}, {'better' if (change > 0) == higher_is_better else 'worse'}"


def _quantity(value: float | None, disclosure: Disclosure) -> str:
    """A numerator or denominator: '1,161', '9,800.5', '<5' when small (it may count people)."""
    if _missing(value) or disclosure.is_small(value) or value == round(value):
        return disclosure.count(value)
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def rests_on_small_numbers(row: dict, disclosure: Disclosure) -> bool:
    """A KPI value (a ``mart_kpi_series`` or scorecard row) that would give a small number of people away: a
    count below the threshold, or a proportion whose numerator or denominator is below it."""
    if row["unit"] == "count":
        return disclosure.is_small(row["value"])
    if row.get("calculation") == "proportion":
        return disclosure.any_small([row.get("numerator"), row.get("denominator")])
    return False


def value_text(row: dict, disclosure: Disclosure) -> str:
    """A quarter's value as shown: 'No return', '3.7%', '<5' (a small count), '–' (a proportion of a few)."""
    status = row.get("value_status") or "reported"
    if status in STATUS_WORDS:
        return STATUS_WORDS[status]
    if row["unit"] != "count" and rests_on_small_numbers(row, disclosure):
        return HIDDEN
    return kpi_value(row["value"], row["unit"], disclosure)


def checks_text(row: dict, disclosure: Disclosure) -> str:
    """What a contract manager should know about where the figure came from (no small number shown)."""
    notes = []
    unit = row["unit"]
    bases = [row.get("numerator"), row.get("denominator")]
    small = rests_on_small_numbers(row, disclosure) or disclosure.any_small(bases)
    if row.get("value_differs_from_calculation"):
        parts = f"{_quantity(row['numerator'], disclosure)} of {_quantity(row['denominator'], disclosure)}"
        if small:  # neither figure is shown: each would give the small numbers away
            notes.append(f"Provider's own figure differs from the one worked out from {parts}")
        else:
            reported = kpi_value(row["reported_value"], unit, disclosure)
            notes.append(f"Provider reported {reported}; worked out from {parts}")
    if (row.get("submissions") or 0) > 1:
        was = row.get("previous_submission_value")
        shown = not _missing(was) and not small and not (unit == "count" and disclosure.is_small(was))
        notes.append(f"Resubmitted (was {kpi_value(was, unit, disclosure)})" if shown else "Resubmitted")
    return "; ".join(notes)


def long_date(day: date | datetime | None) -> str:
    """'30 Oct 2024' ('–' when there is none)."""
    return "–" if day is None else f"{day.day} {day:%b %Y}"


# One contract's review ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """Something about the return the contract manager must see first. ``level``: error, warning, info, plain."""

    level: str
    text: str


@dataclass(frozen=True)
class Review:
    """One contract's quarter: its return status, KPI series up to the quarter and scorecard."""

    contract_id: str
    provider: str
    contract_type: str
    period: str
    status: dict | None  # mart_kpi_return_status row for the quarter; None when no return was expected
    first_period: str | None  # the contract's first quarter with a return due
    series: pl.DataFrame  # the contract's mart_kpi_series rows up to and including the quarter
    card: pl.DataFrame  # models.scorecard.scorecard of the quarter
    disclosure: Disclosure
    hidden: frozenset[tuple[str, int]] = frozenset()  # (KPI, sort key) of values resting on small numbers
    # KPI code -> known change points (first quarter, what changed): SPC limits recalculated from each
    breaks: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def history(self, code: str) -> KpiHistory:
        """The KPI's XmR assessment to the quarter, its limits recalculated at the KPI's change points."""
        return kpi_history(self.series, code, self.period, change_points=[p for p, _ in self.breaks.get(code, ())])

    @property
    def type_words(self) -> str:
        return type_words(self.contract_type)

    @property
    def label(self) -> str:
        return f"{self.contract_id} – {self.provider} ({self.type_words})"

    @property
    def names(self) -> dict[str, str]:
        return dict(zip(self.series["kpi_code"].to_list(), self.series["kpi_name"].to_list(), strict=True))

    @property
    def codes(self) -> list[str]:
        return self.card["kpi_code"].to_list()

    @property
    def sort_key(self) -> int | None:
        keys = self.series.filter(pl.col("period") == self.period)["sort_key"]
        return None if keys.is_empty() else int(keys[0])

    def is_hidden(self, code: str, sort_key: int | None) -> bool:
        return (code, sort_key) in self.hidden

    def shown_values(self, code: str, first: int, last: int) -> list[float | None]:
        """The KPI's values from sort key ``first`` to ``last``, blanked where missing or resting on small numbers."""
        rows = self.series.filter((pl.col("kpi_code") == code) & pl.col("sort_key").is_between(first, last))
        rows = rows.sort("sort_key")
        return [
            None if _missing(v) or (code, k) in self.hidden else v
            for k, v in zip(rows["sort_key"].to_list(), rows["value"].to_list(), strict=True)
        ]

    @property
    def file_stem(self) -> str:
        return f"kpi-review-{self.contract_id}-{self.period.replace('/', '-').replace(' ', '-')}"

    @property
    def expected(self) -> bool:
        """A return was due for the quarter (the contract had started)."""
        return self.status is not None

    @property
    def no_kpis(self) -> str:
        return f"No KPI in the catalogue applies to {self.type_words} contracts in {self.period}."

    def notices(self) -> list[Notice]:
        """The return's status in words: missing (never shown as zero), late, not yet due, incomplete."""
        status = self.status
        if status is None:
            return [
                Notice(
                    "info",
                    f"No return is expected from {self.contract_id} for {self.period}: its first return was for "
                    f"{self.first_period}.",
                )
            ]
        due = long_date(status["due_date"])
        if not status["return_received"]:
            if status["timeliness"] == "not yet due":
                return [Notice("info", f"The {self.period} return from {self.label} is not due until {due}.")]
            return [
                Notice(
                    "error",
                    f"Missing return: {self.label} has not submitted its {self.period} return (due {due}). Its KPIs "
                    "are shown as missing, not as zero.",
                )
            ]
        if status["timeliness"] == "late":
            late = f"Late return: received {status['days_late']} days after the due date, {due}."
            notices = [Notice("warning", late)]
        else:
            notices = [Notice("plain", f"Return for {self.period}: {TIMELINESS_WORDS[status['timeliness']]}.")]
        if status["kpis_reported"] < status["kpis_expected"]:
            notices.append(
                Notice(
                    "warning",
                    f"The return reports {status['kpis_reported']} of the {status['kpis_expected']} KPIs in the "
                    "catalogue.",
                )
            )
        return notices

    def status_text(self) -> str:
        """The return's status in a line, for the exports."""
        if self.status is None:
            return "No return expected"
        words = TIMELINESS_WORDS.get(self.status.get("timeliness"), "")
        if self.status.get("timeliness") == "late" and self.status.get("days_late"):
            words += f", {self.status['days_late']} days after the due date"
        if self.status.get("resubmitted"):
            words += "; corrected and resubmitted"
        return words


def type_words(contract_type: str) -> str:
    """'home_care' -> 'home care', 'isf' -> 'ISF'."""
    return CONTRACT_TYPES.get(contract_type, contract_type.replace("_", " "))


def contract_labels(wh: Warehouse) -> dict[str, str]:
    """Contract id -> 'HC-02 – Ouse Meadows Care Services Ltd (home care)', for the contract chooser."""
    return {
        r["contract_id"]: f"{r['contract_id']} – {r['provider']} ({type_words(r['contract_type'])})"
        for r in wh.contracts().iter_rows(named=True)
    }


def build_review(
    contract_id: str,
    provider: str,
    contract_type: str,
    period: str,
    status: dict | None,
    series: pl.DataFrame,
    threshold: int,
    first_period: str | None = None,
    declared: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> Review:
    """A review from a contract's KPI series (``mart_kpi_series`` rows) and its return status for ``period``.

    SPC limits start afresh where the returns come from a new provider and at the change points ``declared`` per
    KPI (``[[change_points]]``: a contract start, a new service model)."""
    if status is not None and "sort_key" in status:
        series = series.filter(pl.col("sort_key") <= status["sort_key"])
    new_provider = provider_changes(series)
    breaks = {
        code: tuple(sorted(set(new_provider) | set((declared or {}).get(code, ()))))
        for code in series["kpi_code"].unique().to_list()
    }
    breaks = {code: points for code, points in breaks.items() if points}
    starts = {code: [p for p, _ in points] for code, points in breaks.items()}
    in_force = status is not None and not series.filter(pl.col("period") == period).is_empty()
    card = scorecard(series, period, change_points=starts) if in_force else scorecard(series.clear(), period)
    disclosure = Disclosure(threshold)
    hidden = frozenset(
        (r["kpi_code"], r["sort_key"]) for r in series.iter_rows(named=True) if rests_on_small_numbers(r, disclosure)
    )
    return Review(
        contract_id, provider, contract_type, period, status, first_period, series, card, disclosure, hidden, breaks
    )


def open_review(wh: Warehouse, contract_id: str, period: str, info: dict | None = None) -> Review:
    """The review of one contract's quarter, read from the warehouse (``info``: its ``wh.contracts()`` row)."""
    if info is None:
        info = wh.contracts().filter(pl.col("contract_id") == contract_id).row(0, named=True)
    statuses = wh.return_status(contract_id)
    now = statuses.filter(pl.col("period") == period)
    return build_review(
        contract_id,
        info["provider"],
        info["contract_type"],
        period,
        now.row(0, named=True) if now.height else None,
        wh.kpi_series(contract_id),
        wh.settings.suppression_threshold,
        first_period=statuses["period"][0] if statuses.height else None,
        declared=_declared_change_points(wh, info["provider"]),
    )


def _declared_change_points(wh: Warehouse, provider: str) -> dict[str, list[tuple[str, str]]]:
    """``[[change_points]]`` for each KPI of the catalogue that apply to ``provider``'s contracts."""
    if not wh.settings.change_points:
        return {}
    codes = wh.kpi_codes()
    return {code: kpi_change_points(wh.settings, codes, code, provider) for code in codes}


# Actions agreed last time, and review notes -------------------------------------------------------------

NOTE_COLUMNS = ["Quarter", "KPI", "Commentary", "Agreed actions", "Author", "Written"]


def notes_table(notes: pl.DataFrame, names: dict[str, str], caption: str) -> Table:
    """Review notes as people read them: KPI name, commentary, actions, author and UK time."""
    rows = [
        [
            n["period"],
            names.get(n["kpi_code"], n["kpi_code"]),
            n["commentary"],
            n["agreed_actions"],
            n["author"],
            review_notes.local_time(n["created_at"]),
        ]
        for n in notes.iter_rows(named=True)
    ]
    return Table(caption, NOTE_COLUMNS, rows, widths=["9%", "21%", "27%", "23%", "9%", "11%"])


@dataclass(frozen=True)
class LastActions:
    """The actions agreed at the contract's last review before this quarter."""

    period: str | None
    heading: str
    items: list[str]  # "Visits missed: Recovery plan by June (Sam Lee, 6 May 2025 14:05)"
    table: Table
    empty: str = "No actions were agreed at an earlier review."


def last_actions(review: Review, period: str | None, notes: pl.DataFrame) -> LastActions:
    """Lay out ``review_notes.actions_agreed_last_time``'s answer."""
    names = review.names
    heading = f"Actions agreed last time ({period})" if period else "Actions agreed last time"
    items = [
        f"{names.get(n['kpi_code'], n['kpi_code'])}: {n['agreed_actions']} "
        f"({n['author']}, {review_notes.local_time(n['created_at'])})"
        for n in notes.iter_rows(named=True)
    ]
    return LastActions(period, heading, items, notes_table(notes, names, heading))


def read_last_actions(wh: Warehouse, review: Review) -> LastActions:
    period, notes = review_notes.actions_agreed_last_time(wh.settings, review.contract_id, review.period)
    return last_actions(review, period, notes)


ACTION_COLUMNS = ["KPI", "Action", "Owner", "Due", "Status", "Agreed"]


def actions_table(actions: pl.DataFrame, names: dict[str, str], period: str, today: date) -> Table:
    """The contract's actions on this quarter's review, carried over until done; status worked out for ``today``.
    Latest agreed first, as every history table is (within a quarter, in the order they were agreed)."""
    if actions.height:
        actions = actions.sort("raised_period", descending=True, maintain_order=True)
    rows = [
        [
            names.get(a["kpi_code"], a["kpi_code"]),
            a["action"],
            a["owner"],
            review_actions.day_words(a["due_date"]),
            review_actions.status_words(a, today).words,
            a["raised_period"] if a["raised_period"] != period else f"{period} (this review)",
        ]
        for a in actions.iter_rows(named=True)
    ]
    return Table(
        f"Actions to follow up, {period}", ACTION_COLUMNS, rows, widths=["20%", "32%", "13%", "11%", "13%", "11%"]
    )


def quarter_actions(wh: Warehouse, review: Review, today: date | None = None) -> Table:
    """This quarter's actions: agreed now, or earlier and not done before this review."""
    actions = review_actions.actions_for_quarter(wh.settings, review.contract_id, review.period)
    return actions_table(actions, review.names, review.period, today or review_actions.uk_today())


def quarter_notes(wh: Warehouse, review: Review) -> Table:
    """This quarter's review notes, oldest first."""
    notes = review_notes.notes_for_quarter(wh.settings, review.contract_id, review.period)
    return notes_table(notes, review.names, f"Review notes, {review.period}")


# The scorecard --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scorecard:
    """The quarter's scorecard: headline counts, one row per KPI, and each KPI's last eight quarters."""

    metrics: list[Metric]
    summary: str  # the headline counts in a sentence, for the exports
    table: Table
    codes: list[str]
    ratings: list[str | None]  # each row's RAG (None without a value or a target), for fills
    checks: list[str]  # the table's "Checks" column
    sparklines: list[list[float | None]]  # last eight quarters, small counts blanked (None)
    note: Note


def scorecard_view(review: Review) -> Scorecard:
    """The scorecard as the page, the Excel workbook and the PDF show it."""
    card, d, key = review.card, review.disclosure, review.sort_key
    counts = summary(card)
    rows, ratings, checks, sparklines = [], [], [], []
    for r in card.iter_rows(named=True):
        code, unit, hib = r["kpi_code"], r["unit"], r["higher_is_better"]
        status = r.get("value_status") or "reported"
        small_now = review.is_hidden(code, key)
        hide_quarter = small_now or review.is_hidden(code, None if key is None else key - 1)
        hide_year = small_now or review.is_hidden(code, None if key is None else key - 4)
        check = checks_text(r, d)
        rows.append(
            [
                r["kpi_name"],
                value_text(r, d),
                target_text(r["target"], unit, hib, r.get("amber_tolerance")),
                RagCell(r["rag"]) if status == "reported" else NO_VALUE,
                HIDDEN if hide_quarter else change_text(r["change_on_quarter"], unit, hib),
                HIDDEN if hide_year else change_text(r["change_on_year"], unit, hib),
                str(variation_label(r["variation"], r["side"])),
                str(assurance_label(r["assurance"])),
                check,
                r.get("comment") or "",
            ]
        )
        ratings.append(r["rag"] if status == "reported" else None)
        checks.append(check)
        sparklines.append([] if key is None else review.shown_values(code, key - SPARKLINE_QUARTERS + 1, key))
    with_value = counts["with_value"] > 0
    on_target = f"{counts['green']} of {counts['with_target']}" if with_value else "No return"
    metrics = [
        Metric("KPIs on target", on_target, help="Green KPIs out of those with a target and a value."),
        Metric("Amber", str(counts["amber"]), help="Short of the target by no more than the amber tolerance."),
        Metric("Red", str(counts["red"]), help="Further from the target than the amber tolerance."),
        Metric("SPC concerns", str(counts["concern"]), help="Special-cause variation in the wrong direction."),
    ]
    sentence = (
        f"KPIs on target: {counts['green']} of {counts['with_target']} with a target; amber {counts['amber']}; "
        f"red {counts['red']}; SPC concerns {counts['concern']}; improvements {counts['improvement']}."
        if with_value
        else f"No KPI values for {review.period}: the return is missing."
    )
    table = Table(
        f"Scorecard, {review.period}",
        SCORECARD_COLUMNS,
        rows,
        numeric=[False, True],
        widths=["16%", "7%", "14%", "11%", "9%", "9%", "12%", "11%"],  # the PDF's columns (with 11% for the line)
    )
    return Scorecard(
        metrics=metrics,
        summary=sentence,
        table=table,
        codes=card["kpi_code"].to_list(),
        ratings=ratings,
        checks=checks,
        sparklines=sparklines,
        note=Note(f"{RAG_EXPLAINED} {review.disclosure.note}"),
    )


def review_scorecard(wh: Warehouse, contract_id: str, period: str) -> Scorecard:
    """The page's scorecard for a contract and quarter (for ``per_build``: computed once per build, not per view)."""
    return scorecard_view(shared_review(wh, contract_id, period))


def shared_review(wh: Warehouse, contract_id: str, period: str) -> Review:
    """The review ``per_build(open_review, ...)`` keeps for this build (same key), opened if it is not there yet."""
    key = (open_review.__module__, open_review.__qualname__, (contract_id, period))
    return wh.memo(key, lambda: open_review(wh, contract_id, period))


# One KPI in detail --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiDetail:
    code: str
    name: str
    summary: Paragraph  # value, target with direction and tolerance, RAG, SPC signal and assurance
    chart: Chart


def _spc_chart(review: Review, history: KpiHistory, height: int = 420) -> Chart:
    """The KPI's XmR chart with its data as a table (latest first), values resting on small numbers blanked
    before drawing (so no hover text can show them)."""
    table, now, d = history.table, history.current, review.disclosure
    unit, name, hib = now["unit"], now["kpi_name"], now["higher_is_better"]
    values = table["value"].to_list()
    shown = review.shown_values(history.kpi_code, table["sort_key"].min(), table["sort_key"].max())
    variation = [None if s is None else v for s, v in zip(shown, table["variation"].to_list(), strict=True)]
    sides = table["side"].to_list()
    drawn = table.with_columns(
        pl.Series("value", shown, dtype=pl.Float64), pl.Series("variation", variation, dtype=pl.String)
    )
    hidden = sum(1 for v, s in zip(values, shown, strict=True) if v is not None and s is None)
    title = f"{name}: every quarter to {history.period}"
    figure = kpi_spc_figure(
        drawn,
        title,
        unit,
        target_name=f"Target in force ({direction_words(hib)})",
        hidden_note=f"{hidden} {'value' if hidden == 1 else 'values'} not shown (small numbers)" if hidden else None,
        height=height,
        breaks=review.breaks.get(history.kpi_code, ()),
    )
    rows = []
    for r, value, var, side in zip(table.iter_rows(named=True), shown, variation, sides, strict=True):
        rows.append(
            [
                r["period"],
                value_text(r, d),
                target_text(r["target"], unit, hib, r.get("amber_tolerance")),
                _limit(r["centre"], unit),
                _limit(r["lower"], unit),
                _limit(r["upper"], unit),
                variation_label(var, side).text if value is not None else "–",
            ]
        )
    data = Table(
        f"{name}, every quarter to {history.period}",
        ["Quarter", "Value", "Target in force", "Mean", "Lower process limit", "Upper process limit", "Variation"],
        rows[::-1],
        numeric=[False, True, False, True, True, True],
    )
    signal = variation_label(variation[-1], sides[-1]).text if variation else "no signal"
    return Chart(
        figure,
        f"Line chart of {name} every quarter to {history.period}, with its mean, process limits and the target in "
        f"force each quarter. Latest signal: {signal}.",
        height=height,
        name=f"spc-{review.contract_id}-{history.kpi_code}",
        how_to_read=SPC_HOW_TO_READ,
        table=data,
    )


def _limit(value: float | None, unit: str) -> str:
    """A mean or process limit in the KPI's unit (one decimal for counts: a limit is not a count of people)."""
    if _missing(value):
        return "–"
    return f"{value:,.1f}" if unit == "count" else by_unit(value, unit)


def kpi_detail(review: Review, code: str) -> KpiDetail:
    """One KPI of the scorecard: the summary line and its SPC chart with the targets in force."""
    history = review.history(code)
    row = review.card.filter(pl.col("kpi_code") == code).row(0, named=True)
    d, unit = review.disclosure, row["unit"]
    status = row.get("value_status") or "reported"
    value = value_text(row, d)
    rag = RagCell(row["rag"]).text if status == "reported" else NO_VALUE
    target = target_text(row["target"], unit, row["higher_is_better"], row.get("amber_tolerance"))
    line = (
        f"{value} in {review.period} · target {target} · {rag} · {variation_label(row['variation'], row['side'])} · "
        f"{assurance_label(row['assurance'])}"
    )
    return KpiDetail(code, row["kpi_name"], Paragraph(line), _spc_chart(review, history))


def review_kpi_detail(wh: Warehouse, contract_id: str, period: str, code: str) -> KpiDetail:
    """One KPI's summary and SPC chart for the page (for ``per_build``: computed once per build, not per view)."""
    return kpi_detail(shared_review(wh, contract_id, period), code)


# Compared with other providers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    blocks: list[Block]
    funnel: bool  # a funnel plot is drawn, so its limits can be widened for overdispersion


def comparison(wh: Warehouse, review: Review, code: str, widen: bool = False) -> Comparison:
    """The KPI across every provider of the same contract type in the quarter: a funnel plot for a proportion
    (every provider pooled; those with small numerators or denominators left off the plot), a table otherwise."""
    peers = wh.kpi_across_providers(review.contract_type, review.period, code)
    return compare_providers(review, code, peers, widen)


def compare_providers(review: Review, code: str, peers: pl.DataFrame, widen: bool = False) -> Comparison:
    d, period, kind = review.disclosure, review.period, review.type_words
    now = review.card.filter(pl.col("kpi_code") == code).row(0, named=True)
    name = now["kpi_name"]
    if now["calculation"] != "proportion":
        rows = []
        for r in peers.iter_rows(named=True):
            value = STATUS_WORDS.get(r["value_status"]) or kpi_value(r["value"], r["unit"], d)
            rows.append([r["contract_id"], r["provider"], value])
        return Comparison(
            [
                Note(
                    "A funnel plot needs a proportion (people or visits out of a total); this KPI is not one, so the "
                    "providers' values are listed instead."
                ),
                Table(
                    f"{name}: every {kind} provider, {period}",
                    ["Contract", "Provider", f"Value, {period}"],
                    rows,
                    numeric=[False, False, True],
                ),
            ],
            funnel=False,
        )
    usable = [
        r
        for r in peers.iter_rows(named=True)
        if r["numerator"] is not None and (r["denominator"] or 0) > 0 and r["numerator"] <= r["denominator"]
    ]
    shown = [r for r in usable if not d.is_small(r["numerator"]) and not d.is_small(r["denominator"])]
    left_off = len(usable) - len(shown)
    if len(shown) < 2:
        return Comparison(
            [
                Note(
                    f"Fewer than two {kind} providers reported this KPI in {period} with at least {d.threshold} in "
                    "both numerator and denominator, so there is nothing to compare."
                )
            ],
            funnel=False,
        )
    # Every provider with data is pooled (the average and the overdispersion rest on all of them); those with
    # small numbers are only left off the plot and the table afterwards.
    ids = [r["contract_id"] for r in usable]
    numerators = [r["numerator"] for r in usable]
    denominators = [r["denominator"] for r in usable]
    providers = {r["contract_id"]: r["provider"] for r in shown}
    spread = estimate_overdispersion(numerators, denominators, sum(numerators) / sum(denominators))
    table = funnel_table(ids, numerators, denominators, overdispersion=widen).filter(
        pl.col("unit").is_in(list(providers))
    )
    tau2 = spread.tau2 if widen and not math.isnan(spread.tau2) else 0.0
    figure = kpi_funnel_figure(table, name, period, "Denominator (people, visits or runs)", tau2)
    blocks: list[Block] = []
    if not widen and spread.phi > 2:
        blocks.append(
            Note(
                f"The providers differ far more than chance allows (overdispersion ratio {spread.phi:,.0f}; 1 means "
                "none), so with totals this large most fall outside the plain limits. Allowing for overdispersion "
                "widens them."
            )
        )
    hib = now["higher_is_better"]
    good = "above" if hib else "below"
    rows, outliers = [], []
    for r in table.iter_rows(named=True):
        share = pct(100 * r["proportion"])
        rows.append(
            [
                r["unit"],
                providers[r["unit"]],
                share,
                _quantity(r["numerator"], d),
                _quantity(r["denominator"], d),
                r["position"],
            ]
        )
        if r["position"] not in ("within", "no data"):
            meaning = (
                "different from peers"
                if hib is None
                else ("better than peers" if r["position"].startswith(good) else "worse than peers")
            )
            outliers.append([r["unit"], share, r["position"], meaning])
    limits = "limits widened for overdispersion" if widen else "plain limits"
    blocks.append(
        Chart(
            figure,
            f"Funnel plot of {len(shown)} {kind} providers on ‘{name}’ in {period} against their denominators, with "
            f"95% and 99.8% {limits} around the providers' average; {len(outliers)} outside the 95% limits.",
            name=f"funnel-{code}-{period}",
            how_to_read=FUNNEL_HOW_TO_READ,
            table=Table(
                f"{name}, {period}: providers compared",
                ["Contract", "Provider", "Per cent", "Numerator", "Denominator", "Position"],
                rows,
                numeric=[False, False, True, True, True],
            ),
        )
    )
    if left_off:
        blocks.append(
            Note(
                f"{left_off} {'provider' if left_off == 1 else 'providers'} with fewer than {d.threshold} in the "
                "numerator or denominator left off the plot to protect privacy."
            )
        )
    if outliers:
        blocks.append(
            Table(
                f"Providers outside the 95% limits, {period}",
                ["Contract", "Value", "Position", "Meaning"],
                outliers,
                numeric=[False, True],
            )
        )
    else:
        blocks.append(Note("No provider lies outside the 95% limits."))
    return Comparison(blocks, funnel=True)


# Returns --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Returns:
    table: Table  # this contract's returns to the quarter, latest first
    note: Note
    problems: Table | None  # every contract's missing and late returns


def returns(wh: Warehouse, review: Review) -> Returns:
    statuses = wh.return_status(review.contract_id)
    if review.status is not None:
        statuses = statuses.filter(pl.col("sort_key") <= review.status["sort_key"])
    rows = [
        [
            r["period"],
            TIMELINESS_SHORT.get(r["timeliness"], ""),
            long_date(r["due_date"]),
            long_date(r["first_received_at"]),
            f"{r['kpis_reported']} of {r['kpis_expected']}",
            "Yes" if r["resubmitted"] else "No",
        ]
        for r in statuses.sort("sort_key", descending=True).iter_rows(named=True)
    ]
    table = Table(
        f"Returns from {review.contract_id}",
        ["Quarter", "Status", "Due", "First received", "KPIs reported", "Resubmitted"],
        rows,
    )
    note = Note(
        f"Returns are due {wh.settings.kpi_return_due_days} days after the quarter ends. ‘Received’ means the return "
        "was loaded together with earlier quarters, so when the provider sent it is not known."
    )
    problems = wh.late_or_missing_returns()
    listed = None
    if problems.height:
        listed = Table(
            "Missing and late returns, all contracts",
            ["Contract", "Provider", "Quarter", "Status", "Days late"],
            [
                [
                    r["contract_id"],
                    r["provider"],
                    r["period"],
                    TIMELINESS_SHORT.get(r["timeliness"], ""),
                    "–" if r["days_late"] is None else str(r["days_late"]),
                ]
                for r in problems.iter_rows(named=True)
            ],
            numeric=[False, False, False, False, True],
        )
    return Returns(table, note, listed)


# The review as a file (Excel and PDF) ---------------------------------------------------------------------

DATA_COLUMNS = [
    "Quarter",
    "KPI code",
    "KPI",
    "Unit",
    "How the value is worked out",
    "Status",
    "Numerator",
    "Denominator",
    "Provider's value",
    "Value used",
    "Target in force",
    "Submissions",
    "Provider's comment",
]


def data_table(review: Review) -> Table:
    """Every quarter's figures for every KPI, latest first within each KPI, small counts suppressed."""
    d = review.disclosure
    order = ["catalogue_order", "kpi_code"] if "catalogue_order" in review.series.columns else ["kpi_code"]
    series = review.series.sort([*order, "sort_key"], descending=[False] * len(order) + [True])
    rows = []
    for r in series.iter_rows(named=True):
        unit, status = r["unit"], r["value_status"] or "reported"
        proportion_hidden = unit != "count" and rests_on_small_numbers(r, d)  # a count shows as '<5' on its own
        rows.append(
            [
                r["period"],
                r["kpi_code"],
                r["kpi_name"],
                unit,
                CALCULATION_WORDS.get(r["calculation"], r["calculation"] or ""),
                STATUS_WORDS.get(status, "Reported"),
                _quantity(r["numerator"], d),
                _quantity(r["denominator"], d),
                HIDDEN if proportion_hidden else kpi_value(r["reported_value"], unit, d),
                HIDDEN if proportion_hidden else kpi_value(r["value"], unit, d),
                target_text(r["target"], unit, r["higher_is_better"], r.get("amber_tolerance")),
                str(r["submissions"] or 0),
                r["comment"] or "",
            ]
        )
    return Table(
        f"{review.contract_id}: every quarter's figures to {review.period}",
        DATA_COLUMNS,
        rows,
        numeric=[False] * 6 + [True] * 4 + [False, True],
    )


@dataclass(frozen=True)
class KpiReview:
    """Everything one contract's quarterly review export holds, as the page shows it."""

    review: Review
    council_name: str
    scorecard: Scorecard
    data: Table
    notes: Table
    last_time: LastActions
    synthetic: bool
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    actions: Table | None = None

    @property
    def period(self) -> str:
        return self.review.period

    @property
    def title(self) -> str:
        return f"{self.review.contract_id} {self.review.provider}: KPI review {self.review.period}"

    @property
    def file_stem(self) -> str:
        return self.review.file_stem

    @property
    def about(self) -> str:
        return f"{self.council_name} · {self.review.type_words} contract"

    @property
    def status_text(self) -> str:
        return self.review.status_text()

    @property
    def disclosure_note(self) -> str:
        return self.review.disclosure.note

    def charts(self, height: int = 380) -> list[Chart]:
        """Every KPI's SPC chart (drawn when asked: the Excel workbook needs none)."""
        return [_spc_chart(self.review, self.review.history(code), height) for code in self.review.codes]


def build_kpi_review(
    review: Review,
    council_name: str,
    notes: pl.DataFrame,
    last_period: str | None,
    last_notes: pl.DataFrame,
    synthetic: bool,
    generated_at: datetime | None = None,
    actions: pl.DataFrame | None = None,
    today: date | None = None,
) -> KpiReview:
    """The review export from the review, its notes and actions (``dashboard.review_notes`` and
    ``dashboard.review_actions`` frames)."""
    actions = actions if actions is not None else pl.DataFrame(schema=review_actions.SCHEMA)
    return KpiReview(
        actions=actions_table(actions, review.names, review.period, today or review_actions.uk_today()),
        review=review,
        council_name=council_name,
        scorecard=scorecard_view(review),
        data=data_table(review),
        notes=notes_table(notes, review.names, f"Review notes, {review.period}"),
        last_time=last_actions(review, last_period, last_notes),
        synthetic=synthetic,
        generated_at=generated_at or datetime.now(UTC),
    )


def kpi_review(wh: Warehouse, review: Review) -> KpiReview:
    """The review export, with the notes as they are now (read when a download is asked for)."""
    settings = wh.settings
    last_period, last_notes = review_notes.actions_agreed_last_time(settings, review.contract_id, review.period)
    return build_kpi_review(
        review,
        settings.council.name,
        review_notes.notes_for_quarter(settings, review.contract_id, review.period),
        last_period,
        last_notes,
        bool(wh.meta().contains_synthetic_data),
        actions=review_actions.actions_for_quarter(settings, review.contract_id, review.period),
    )


# Every contract: the committee pack's summary ------------------------------------------------------------


@dataclass(frozen=True)
class ProvidersSummary:
    scope: str
    blocks: list[Block]


def providers_summary(wh: Warehouse, period: str) -> ProvidersSummary:
    """Every contract's return and KPIs in the quarter: a sentence, bars by RAG, a table and the KPIs off target."""
    disclosure = Disclosure(wh.settings.suppression_threshold)
    scope = f"Every contract, {period}. Contracts are county-wide, so this page is the same for every area."
    contracts = wh.contracts()
    if contracts.is_empty():
        return ProvidersSummary(scope, [Paragraph("No provider KPI returns have been loaded.")])
    totals = {"green": 0, "amber": 0, "red": 0, "with_target": 0, "concern": 0}
    returns_in = {"received": 0, "late": 0, "missing": 0}
    bars: dict[str, list[int]] = {key: [] for key, *_ in RAG_BARS}
    rows, red_rows, labels = [], [], []
    for contract in contracts.iter_rows(named=True):
        review = open_review(wh, contract["contract_id"], period, contract)
        card, status = review.card, review.status
        tally = summary(card) if card.height else None
        timeliness = status["timeliness"] if status else None
        if timeliness == "missing":
            returns_in["missing"] += 1
        elif timeliness == "late":
            returns_in["late"] += 1
        elif status and status["return_received"]:
            returns_in["received"] += 1
        if tally:
            for key in totals:
                totals[key] += int(tally[key])
        counted = tally or {"kpis": 0, "green": 0, "amber": 0, "red": 0}
        for key in ("green", "amber", "red"):
            bars[key].append(int(counted[key]))
        bars["none"].append(int(counted["kpis"] - counted["green"] - counted["amber"] - counted["red"]))
        labels.append(review.contract_id)
        rows.append(
            [
                review.contract_id,
                review.provider,
                review.type_words,
                TIMELINESS_SHORT.get(timeliness, "Not due") if status else "Not due",
                f"{tally['green']} of {tally['with_target']}" if tally else "–",
                str(tally["amber"]) if tally else "–",
                str(tally["red"]) if tally else "–",
                str(tally["concern"]) if tally else "–",
            ]
        )
        for r in card.filter(pl.col("rag") == "red").iter_rows(named=True):
            red_rows.append(
                [
                    review.contract_id,
                    r["kpi_name"],
                    value_text(r, disclosure),
                    target_text(r["target"], r["unit"], r["higher_is_better"], r["amber_tolerance"]),
                    RagCell("red"),
                    str(variation_label(r["variation"], r["side"])),
                ]
            )
    received = returns_in["received"] + returns_in["late"]
    sentence = (
        f"{received} of {len(rows)} contracts sent their {period} return"
        + (f" ({returns_in['late']} late)" if returns_in["late"] else "")
        + (f"; {returns_in['missing']} did not" if returns_in["missing"] else "")
        + f". Of the {totals['with_target']} KPIs with a target and a value, {totals['green']} were on target, "
        f"{totals['amber']} near it (amber) and {totals['red']} off target (red); {totals['concern']} showed "
        "special-cause variation in the wrong direction (an SPC concern)."
    )
    blocks: list[Block] = [
        Paragraph(sentence, emphasis=True),
        Chart(
            rag_bars_figure(labels, bars, f"Number of KPIs by RAG rating and contract, {period}"),
            f"Bar chart of each contract's KPIs by RAG rating in {period}: {totals['green']} green, "
            f"{totals['amber']} amber and {totals['red']} red in all.",
            height=300,
            name=f"provider-rag-{period}",
            table=Table(
                f"Number of KPIs by RAG rating and contract, {period}",
                ["Contract", *[name for _, name, _, _ in RAG_BARS]],
                [[c, *[str(bars[key][i]) for key, *_ in RAG_BARS]] for i, c in enumerate(labels)],
                numeric=[False, True, True, True, True],
            ),
        ),
        Table(
            f"Contracts and their returns, {period}",
            ["Contract", "Provider", "Type", "Return", "On target", "Amber", "Red", "SPC concerns"],
            rows,
            numeric=[False, False, False, False, True, True, True, True],
            widths=["10%", "30%", "10%", "10%", "11%", "9%", "9%", "11%"],
        ),
    ]
    if red_rows:
        blocks.append(
            Table(
                f"KPIs rated red, {period}",
                ["Contract", "KPI", "Value", "Target", "RAG", "SPC signal"],
                red_rows,
                numeric=[False, False, True, False, False, False],
                widths=["10%", "25%", "7%", "25%", "15%", "18%"],
            )
        )
    blocks.append(
        Note(
            "RAG compares each KPI with the target in force this quarter, shown with its direction and amber "
            "tolerance. The contract managers’ quarterly reviews (Provider KPIs page) hold the detail, commentary and "
            f"agreed actions. {disclosure.note}"
        )
    )
    return ProvidersSummary(scope, blocks)
