"""The one configuration of the product: typed settings with defaults and help text.

Every setting is declared once here, with its default and a description (a test fails if one lacks
it). A council's own values live in a TOML file (`asc.toml` at the project root, or the file named by
the ``ASC_CONFIG`` environment variable) which overrides these defaults; unknown names are refused so
a typo cannot silently fall back to a default.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def setting(default: Any, help: str, **kwargs: Any) -> Any:
    """Declare a setting: its default and the description shown to administrators."""
    if isinstance(default, list | dict) or dataclasses.is_dataclass(default):
        # Mutable and nested defaults need a factory so instances never share them.
        return field(default_factory=lambda: copy.deepcopy(default), metadata={"help": help}, **kwargs)
    return field(default=default, metadata={"help": help}, **kwargs)


@dataclass(frozen=True)
class Locality:
    code: str = setting("", "ONS GSS code of the area, for example E07000008.")
    name: str = setting("", "Name as residents know it, for example Cambridge.")
    rural: bool = setting(False, "True for mainly rural areas (shown in workforce comparisons).")
    postcode_districts: list[str] = setting(
        [],
        'Postcode outward codes (districts) whose residents this area serves, for example ["CB6", "CB7"]. '
        "Client Level Data places a person by the outward code of their postcode. An outward code listed under "
        "two areas is split: the postcode lookup file (paths.postcode_lookup) settles it, and without one its "
        "people count in the council total as unplaced.",
    )


@dataclass(frozen=True)
class ChangePoint:
    measure: str = setting(
        "", "Key of the measure in the measure registry (dpss_very_good_pct) or a KPI code of the KPI catalogue."
    )
    period: str = setting("", "First quarter of the new period, for example 2023/24 Q3 (or a year, 2024/25).")
    label: str = setting("", "What changed, in a few words shown on the chart: 'New provider', 'Contract start'.")
    provider: str = setting(
        "", "For a KPI: the provider whose contracts changed (as named in its returns); blank for every provider."
    )


@dataclass(frozen=True)
class Council:
    name: str = setting("Cambridgeshire County Council", "The council's name as printed on reports.")
    short_name: str = setting("Cambridgeshire", "Short name used in sentences and chart titles.")
    code: str = setting("E10000003", "ONS GSS code of the council; used as the county-total locality code.")
    region_code: str = setting("E12000006", "ONS GSS code of the council's region (East of England).")
    region_name: str = setting("East of England", "Name of the region for comparator labels.")
    committee: str = setting("Adults and Health Committee", "Committee that receives the performance pack.")


@dataclass(frozen=True)
class Targets:
    dp_uptake_pct: float = setting(
        25.0, "Target share of people in long-term community support taking a direct payment (%)."
    )
    dp_uptake_by: str = setting("2024/25 Q4", "Quarter by which the DP uptake target should be met.")
    dp_uptake_amber_points: float = setting(2.0, "Points below the DP uptake target still rated amber rather than red.")
    pa_growth_pct_per_year: float = setting(
        25.0, "Target growth in active Personal Assistants on the register, per year (%)."
    )
    pa_growth_amber_points: float = setting(5.0, "Points below the PA growth target still rated amber.")
    isf_new_per_year: int = setting(75, "Planned new Individual Service Funds set up per year.")
    satisfaction_pct: float = setting(
        65.0,
        "Local target for overall satisfaction of people who use services: Adult Social Care Survey respondents "
        "extremely or very satisfied (ASCOF 1D) (%). Provider surveys are rated against their contract's KPI target.",
    )
    satisfaction_amber_points: float = setting(5.0, "Points below the ASCS satisfaction target still rated amber.")
    outcomes_achieved_pct: float = setting(70.0, "Local target for the share of reviewed outcomes fully achieved (%).")
    outcomes_amber_points: float = setting(5.0, "Points below the outcomes target still rated amber.")
    care_home_admissions_18_64_per_100k: float = setting(
        14.0,
        "Local target for ASCOF 2B (formerly 2A(1)): adults aged 18-64 whose long-term support needs are met by "
        "admission to residential and nursing care homes over the year, per 100,000 aged 18-64. Lower is better.",
    )
    care_home_admissions_18_64_amber: float = setting(
        2.0, "Admissions per 100,000 above the 18-64 care home admissions target still rated amber."
    )
    care_home_admissions_65_plus_per_100k: float = setting(
        560.0,
        "Local target for ASCOF 2C (formerly 2A(2)): adults aged 65 and over whose long-term support needs are met "
        "by admission to residential and nursing care homes over the year, per 100,000 aged 65+. Lower is better.",
    )
    care_home_admissions_65_plus_amber: float = setting(
        40.0, "Admissions per 100,000 above the 65+ care home admissions target still rated amber."
    )


@dataclass(frozen=True)
class Paths:
    inbox: str = setting("data/inbox", "Folder where incoming files are dropped (relative to the project).")
    archive: str = setting("data/archive", "Folder where every ingested file is kept, named by its SHA-256.")
    ingest_store: str = setting(
        "data/ingest.duckdb", "DuckDB file holding raw loaded rows, the load log and rejected rows."
    )
    warehouse: str = setting(
        "data/warehouse.duckdb", "DuckDB file the dashboard reads; rebuilt by `asc build` and swapped in."
    )
    public_data: str = setting("data/public", "Folder of shipped published statistics (ASCOF, ONS).")
    app_state: str = setting(
        "data/app_state/app_state.sqlite3",
        "Application-state database (review notes, saved scenarios); SQLite, separate from the warehouse.",
    )
    postcode_lookup: str = setting(
        "",
        "Optional postcode-to-district lookup in the ONS National Statistics Postcode Lookup layout (CSV with columns "
        "pcds and laua). It places people whose outward code spans two areas, by postcode sector. Empty: none.",
    )
    pseudonymisation_key: str = setting(
        "~/.config/asc-commissioning/pseudonymisation.key",
        "Secret key for hashing person identifiers; kept outside the project and the warehouse.",
    )


@dataclass(frozen=True)
class Limits:
    """How much one file may ask of the machine, checked before it is parsed (so a hostile or mistaken file is
    refused in a second, not after minutes and gigabytes)."""

    max_rows: int = setting(
        20_000_000,
        "Most data rows one file may hold for `asc ingest` (10 million activity rows load in about 1 GB of memory).",
    )
    max_upload_rows: int = setting(
        1_000_000,
        "Most data rows a file uploaded through the dashboard may hold; larger files go through `asc ingest`.",
    )
    max_workbook_rows: int = setting(
        300_000,
        "Most rows an Excel sheet may hold: a workbook is read whole into memory (300,000 rows is about 0.5 GB).",
    )
    max_workbook_mb: int = setting(
        256, "Largest an Excel workbook may be once unzipped (MB, all its parts together), checked before it is read."
    )
    max_compression_ratio: int = setting(
        100,
        "Most any part of an Excel workbook may shrink when zipped (unzipped size / zipped size); beyond it the file "
        "is refused as a zip bomb. Ordinary workbooks shrink 5 to 30 times.",
    )
    ingest_memory_mb: int = setting(
        1000,
        "DuckDB's working memory while `asc ingest` loads a file (MB); beyond it DuckDB spills to a temporary folder "
        "beside the ingest store. With 1000, a 50-million-row national CLD file loaded with the process's peak "
        "memory about 1.1 GB; less saves memory but spills, and the load takes longer.",
    )


@dataclass(frozen=True)
class Peers:
    method: str = setting(
        "open",
        'Which peer group benchmarking uses: "open" (nearest neighbours computed from published population and '
        'age structure among councils of the same kind) or "cipfa" (the licensed CIPFA list named in cipfa_file).',
    )
    count: int = setting(15, "Number of nearest neighbours in the open peer group.")
    cipfa_file: str = setting(
        "",
        "CSV of CIPFA nearest neighbours (columns la_code, neighbour_code: GSS codes) for councils that license "
        "the model; it is not open data, so it is not shipped. Relative paths are taken from the project.",
    )


@dataclass(frozen=True)
class Demo:
    seed: int = setting(20240627, "Random seed for the synthetic demo data, so every run is identical.")
    first_year: str = setting("2020/21", "First financial year of synthetic demo data.")
    last_year: str = setting("2024/25", "Last financial year of synthetic demo data.")


ROLE_NAMES = ("committee_member", "contract_manager", "commissioner", "data_officer", "administrator", "provider")


@dataclass(frozen=True)
class Grant:
    role: str = setting(
        "committee_member",
        "The role given: committee_member, contract_manager, commissioner, data_officer, administrator or provider.",
    )
    emails: list[str] = setting([], "Signed-in e-mail addresses given the role (matched ignoring case).")
    groups: list[str] = setting(
        [], "Group claims (Entra ID group object ids, or group names) whose members are given the role."
    )
    contracts: list[str] = setting(
        [], "contract_manager: the contract ids assigned to them. provider: contracts of theirs (added to provider's)."
    )
    provider: str = setting(
        "", "provider: the provider's name as in its KPI returns; its users see and load its own contracts only."
    )


@dataclass(frozen=True)
class Roles:
    group_claim: str = setting(
        "groups", "Name of the ID-token claim listing the user's groups (Entra ID sends 'groups' when configured)."
    )
    grants: list[Grant] = setting(
        [], "Who may do what once sign-in is on ([[roles.grants]] tables); nobody without a grant sees any page."
    )


@dataclass(frozen=True)
class Serve:
    workers: int = setting(
        0,
        "Dashboard processes behind `asc serve`'s one address (each renders one page at a time and holds its own "
        "caches, about 400 MB); 0 means one per CPU core, at most 4. `asc serve --workers N` overrides it.",
    )
    health_check_seconds: float = setting(5.0, "How often the watchdog asks each worker /_stcore/health.")
    health_timeout_seconds: float = setting(
        10.0, "A health check not answered within this many seconds counts as failed (a busy worker answers in ms)."
    )
    failed_checks_before_restart: int = setting(
        3, "Failed health checks in a row after which a worker is taken as stuck, killed and started again."
    )
    start_timeout_seconds: float = setting(90.0, "A worker not answering this long after it was started is restarted.")
    pages_at_once: int = setting(
        2,
        "Pages one worker renders at once; the others wait their turn in arrival order, so under load the first "
        "people's pages finish first instead of everyone's at the end. 1-2 suits a worker per core.",
    )
    turn_wait_seconds: float = setting(
        60.0, "A page waiting longer than this for its turn renders anyway (a stuck page never stops the others)."
    )


DEFAULT_LOCALITIES = [
    # Rural flags follow the paper's "rural PA shortages in East and South Cambridgeshire" and the
    # ONS rural-urban classification (Fenland mainly rural; Huntingdonshire urban with rural parts).
    # Outward codes: the district each mostly lies in. CB25 (Waterbeach in South Cambridgeshire; Burwell and
    # the Swaffhams in East Cambridgeshire) and PE7 (Whittlesey in Fenland; Yaxley and Stilton in
    # Huntingdonshire) span two districts, so they are listed under both and settled by the postcode lookup.
    # CB1-CB5 also reach a few South Cambridgeshire villages (Teversham, Fen Ditton): most is the city.
    Locality("E07000008", "Cambridge", False, ["CB1", "CB2", "CB3", "CB4", "CB5"]),
    Locality("E07000009", "East Cambridgeshire", True, ["CB6", "CB7", "CB8", "CB25"]),
    Locality("E07000010", "Fenland", True, ["PE7", "PE13", "PE14", "PE15", "PE16"]),
    Locality("E07000011", "Huntingdonshire", False, ["PE7", "PE19", "PE26", "PE27", "PE28", "PE29"]),
    Locality("E07000012", "South Cambridgeshire", True, ["CB21", "CB22", "CB23", "CB24", "CB25", "SG8", "SG19"]),
]


@dataclass(frozen=True)
class Settings:
    council: Council = setting(Council(), "Who the dashboard is for.")
    localities: list[Locality] = setting(DEFAULT_LOCALITIES, "Areas the council reports on (districts).")
    targets: Targets = setting(Targets(), "Local targets; each measure states its direction on the page.")
    suppression_threshold: int = setting(
        5, "Counts below this are suppressed (shown as '<5' or blank) in every view and export."
    )
    kpi_return_due_days: int = setting(
        30, "Provider KPI returns are due this many days after the quarter ends; later ones are flagged late."
    )
    max_upload_mb: int = setting(50, "Largest file accepted through the dashboard's upload (MB).")
    background_upload_kb: int = setting(
        256,
        "Uploads at least this large (KB) are checked, loaded and the warehouse rebuilt by a background process, "
        "with progress on the Data page, so other people's pages keep their speed; smaller ones (a KPI return) "
        "are done while the page waits. 0: every upload in the background.",
    )
    archive_retention_days: int = setting(
        0,
        "Days a raw file is kept in the archive after its last load; `asc purge --expired` (run it on a schedule) "
        "deletes older copies, raw person identifiers and all, keeping the loaded, pseudonymised rows. "
        "0: kept until purged. Agree the period with the information governance officer (CLD: 760 covers two "
        "years of rolling 12-month submissions).",
    )
    survey_min_base: int = setting(
        30,
        "Fewest respondents in each of two survey periods for a change between them to be tested; below it the "
        "page shows the shares and their bases but no verdict on whether the change is real.",
    )
    change_points: list[ChangePoint] = setting(
        [],
        "Known changes in a measure's process (a contract start, a new provider, a series break), as "
        "[[change_points]] entries with measure, period and label. SPC charts recalculate their limits from "
        "each one and draw the periods apart. Added to those the measure registry declares.",
    )
    limits: Limits = setting(Limits(), "Bounds on the work one file may cause, checked before it is read.")
    paths: Paths = setting(Paths(), "Where files live.")
    demo: Demo = setting(Demo(), "Synthetic demo data settings.")
    roles: Roles = setting(Roles(), "Roles of signed-in users (used when [auth] is set in .streamlit/secrets.toml).")
    peers: Peers = setting(Peers(), "Comparator councils for benchmarking.")
    serve: Serve = setting(Serve(), "How `asc serve` runs the dashboard: worker processes and their watchdog.")

    def path(self, name: str) -> Path:
        """Absolute path for a `paths` setting (relative ones are taken from the project root)."""
        raw = Path(os.path.expanduser(getattr(self.paths, name)))
        return raw if raw.is_absolute() else PROJECT_ROOT / raw

    @property
    def locality_codes(self) -> list[str]:
        return [loc.code for loc in self.localities]

    def locality_name(self, code: str) -> str:
        if code == self.council.code:
            return f"{self.council.short_name} (all)"
        return next((loc.name for loc in self.localities if loc.code == code), code)


class ConfigError(ValueError):
    """The configuration file names a setting that does not exist or has the wrong type."""


def _check(cls: type, values: dict[str, Any], where: str) -> None:
    if cls is Grant and values.get("role", "committee_member") not in ROLE_NAMES:
        raise ConfigError(f"{where}.role: unknown role {values['role']!r}; roles: {', '.join(ROLE_NAMES)}")


# [[name]] tables and what each one is
LIST_ITEMS = {"localities": Locality, "change_points": ChangePoint, "grants": Grant}


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
    _check(cls, values, where)
    kwargs: dict[str, Any] = {}
    for name, value in values.items():
        default = getattr(cls(), name)
        if dataclasses.is_dataclass(default):
            kwargs[name] = _build(type(default), value, f"{where}.{name}")
        elif name in LIST_ITEMS:
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise ConfigError(f"{where}.{name} should be a list of [[{name}]] tables, got {value!r}")
            kwargs[name] = [_build(LIST_ITEMS[name], item, f"{where}.{name}[{i}]") for i, item in enumerate(value)]
        else:
            expected = type(default)
            if expected is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, expected):
                raise ConfigError(
                    f"{where}.{name} should be {expected.__name__}, got {value!r} ({type(value).__name__})"
                )
            kwargs[name] = value
    return cls(**kwargs)


def child_environment(config: str | Path | None = None) -> dict[str, str]:
    """The environment for a process this one starts (the dashboard, an upload job): ``ASC_CONFIG`` names the
    same settings file, so every process uses the same stores and the same pseudonymisation key path."""
    env = os.environ.copy()
    path = config or env.get("ASC_CONFIG")
    if path:
        env["ASC_CONFIG"] = str(Path(path).resolve())
    return env


def load_settings(path: str | Path | None = None) -> Settings:
    """Read the settings: defaults overlaid with the TOML file (``ASC_CONFIG`` or ``asc.toml``)."""
    if path is None:
        path = os.environ.get("ASC_CONFIG") or PROJECT_ROOT / "asc.toml"
    path = Path(path)
    if not path.exists():
        return Settings()
    with path.open("rb") as fh:
        values = tomllib.load(fh)
    return _build(Settings, values, path.name)
