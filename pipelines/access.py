"""Who may do what: roles from ``[[roles.grants]]`` in asc.toml, and the rule for each action.

Pure rules, no Streamlit: the dashboard's shell asks who is signed in (``dashboard/shell/access.py``) and calls
:func:`may` where each action happens (an upload accepted, a note saved, a scenario saved, a pack made, a
contract's scorecard opened), so a hidden button is never the only guard. Refusals are plain sentences.

Roles (DESIGN.md section 6, issue 17):

- committee member: reads every page and downloads the committee pack; no uploads, no notes;
- contract manager: as a committee member, and writes review notes and actions for the contracts assigned to them;
- commissioner: as a committee member, and saves scenarios (private until shared);
- data officer: as a committee member, and uploads files and sees rejected rows (they may quote raw values);
- administrator: everything, and the audit trail;
- provider: its own contracts' scorecards and uploads of its own KPI returns, nothing else.

The local demo (no ``[auth]`` in ``.streamlit/secrets.toml``) has no sign-in: :data:`DEMO` may do everything a
council role may (so the demo shows every feature), and every page says "demo mode: no sign-in".
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.config import Settings

ROLES = {
    "committee_member": "committee member",
    "contract_manager": "contract manager",
    "commissioner": "commissioner",
    "data_officer": "data officer",
    "administrator": "administrator",
    "provider": "provider",
}
COUNCIL = frozenset(ROLES) - {"provider"}
# action -> roles that may take it (contract and provider limits are checked on top, in `may`)
RULES: dict[str, frozenset[str]] = {
    "read_pages": COUNCIL,
    "read_contract": frozenset(ROLES),
    "compare_providers": COUNCIL,
    "read_notes": COUNCIL,
    "download_pack": COUNCIL,
    "download_exports": COUNCIL,
    "write_note": frozenset({"contract_manager", "administrator"}),
    "save_scenario": frozenset({"commissioner", "administrator"}),
    "upload": frozenset({"data_officer", "administrator", "provider"}),
    "see_rejects": frozenset({"data_officer", "administrator"}),
    "see_load_history": COUNCIL,
    "see_audit": frozenset({"administrator"}),
}
REFUSALS = {
    "read_pages": "This page is for council staff. Providers see their own contracts on the Provider KPIs page "
    "and load their returns on the Data page.",
    "read_contract": "You can see your own contracts' scorecards only, and this contract is not one of them.",
    "compare_providers": "Other providers' figures are not shown to providers.",
    "read_notes": "The council's review notes are not shown to providers.",
    "download_pack": "Your role cannot download the committee pack.",
    "download_exports": "Your role cannot download this review.",
    "write_note": "Only the contract manager assigned to this contract (or an administrator) can write its review "
    "notes and actions.",
    "save_scenario": "Only commissioners (and administrators) can save, share or delete scenarios.",
    "upload": "Only data officers, administrators and providers (their own KPI returns) can load files.",
    "see_rejects": "Rejected rows can quote raw values, so only data officers and administrators see them.",
    "see_load_history": "The load history lists every organisation's files, so it is not shown to providers.",
    "see_audit": "Only administrators can see the audit trail.",
}
PROVIDER_PAGES = frozenset({"provider_kpis", "data"})


class AccessRefused(PermissionError):
    """The signed-in person may not do this; the message says why in plain words."""


@dataclass(frozen=True)
class Person:
    """Who is using the dashboard, and what their grants give them."""

    email: str
    name: str
    roles: frozenset[str] = frozenset()
    contracts: frozenset[str] = frozenset()  # contract manager: assigned contracts; provider: its contracts
    providers: frozenset[str] = frozenset()  # provider: its name(s) as in its KPI returns
    demo: bool = False
    all_contracts: bool = field(default=False, compare=False)  # every role except provider may read every contract

    @property
    def label(self) -> str:
        if self.demo:
            return "demo mode: no sign-in"
        roles = ", ".join(ROLES[r] for r in sorted(self.roles)) or "no role"
        return f"{self.name or self.email} ({roles})"

    @property
    def author(self) -> str:
        """The name written beside notes and in the audit trail ('' in the demo, where the user types it)."""
        return "" if self.demo else (self.name or self.email)

    @property
    def only_provider(self) -> bool:
        return not self.demo and bool(self.roles) and self.roles <= {"provider"}


DEMO = Person(email="", name="", roles=frozenset(ROLES) - {"provider"}, demo=True, all_contracts=True)


def _lower(values: Iterable[str]) -> set[str]:
    return {v.strip().lower() for v in values if v and v.strip()}


def person_for(
    settings: Settings, email: str, name: str = "", groups: Iterable[str] = (), provider_contracts=None
) -> Person:
    """The person signed in as ``email`` (with these group claims), with every role their grants give.

    ``provider_contracts`` maps a provider's name (lower case) to its contract ids, from the warehouse: a
    provider grant names the provider, and its contracts follow from the returns loaded for it.
    """
    email_l, groups_l = (email or "").strip().lower(), _lower(groups)
    roles: set[str] = set()
    contracts: set[str] = set()
    providers: set[str] = set()
    for grant in settings.roles.grants:
        if email_l not in _lower(grant.emails) and not (groups_l & _lower(grant.groups)):
            continue
        roles.add(grant.role)
        if grant.role in ("contract_manager", "provider"):
            contracts |= {c.strip() for c in grant.contracts if c.strip()}
        if grant.role == "provider" and grant.provider.strip():
            providers.add(grant.provider.strip())
            contracts |= set((provider_contracts or {}).get(grant.provider.strip().lower(), ()))
    return Person(
        email=email or "",
        name=name or "",
        roles=frozenset(roles),
        contracts=frozenset(contracts),
        providers=frozenset(providers),
        all_contracts=bool(roles & COUNCIL),
    )


def may(person: Person, action: str, contract: str | None = None) -> bool:
    """Whether ``person`` may take ``action`` (on ``contract``, where the action concerns one)."""
    if action not in RULES:
        raise KeyError(f"unknown action {action!r}")
    if not person.roles & RULES[action]:
        return False
    if person.demo or "administrator" in person.roles:
        return True
    if action == "write_note":
        return contract is not None and contract in person.contracts
    if action == "read_contract" and not person.all_contracts:
        return contract is not None and contract in person.contracts
    return True


def may_open_page(person: Person, page: str) -> bool:
    """Pages: council roles open every page, providers the Provider KPIs and Data pages only."""
    if page == "audit":
        return may(person, "see_audit")
    return may(person, "read_pages") or (page in PROVIDER_PAGES and "provider" in person.roles)


def refusal(action: str) -> str:
    return REFUSALS[action]


def require(person: Person, action: str, contract: str | None = None) -> None:
    """Raise :class:`AccessRefused` with the plain reason unless ``person`` may take ``action``."""
    if not may(person, action, contract):
        raise AccessRefused(refusal(action))


def no_role_message(person: Person) -> str:
    return (
        f"You are signed in as {person.email or person.name}, but no role in this dashboard has been given to that "
        "account. Ask the dashboard's administrator to add you to [[roles.grants]] in asc.toml."
    )


# Providers' uploads -----------------------------------------------------------------------------------


def _normal(name: str) -> str:
    return "_".join(str(name).strip().lower().split())


def _read_any(file_name: str, data: bytes) -> pl.DataFrame:
    suffix = Path(file_name).suffix.lower()
    if suffix == ".parquet":
        return pl.read_parquet(io.BytesIO(data))
    if suffix == ".xlsx":
        return pl.read_excel(io.BytesIO(data), infer_schema_length=0)
    text = data.decode("utf-8-sig", errors="replace")
    return pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=True)


def check_provider_upload(person: Person, file_name: str, data: bytes) -> None:
    """A provider may load KPI returns for its own contracts only: refuse any file naming another contract or
    provider, or one whose contracts cannot be read (a ``contract_id`` column in the first row)."""
    if not person.only_provider:
        return
    try:
        frame = _read_any(file_name, data)
    except Exception as exc:  # any file the check cannot read is refused, never loaded unchecked
        raise AccessRefused(
            f"{file_name} could not be checked against your contracts ({type(exc).__name__}), so it was not loaded."
        ) from exc
    columns = {_normal(c): c for c in frame.columns}
    if "contract_id" not in columns:
        raise AccessRefused(
            f"{file_name} has no contract_id column in its first row. Providers load KPI returns (the kpi_returns "
            "template on this page), one row per contract, quarter and KPI."
        )
    named = {str(v).strip() for v in frame[columns["contract_id"]].drop_nulls().to_list() if str(v).strip()}
    others = sorted(named - person.contracts)
    if others:
        shown = ", ".join(others[:5]) + (" and more" if len(others) > 5 else "")
        raise AccessRefused(
            f"{file_name} has rows for contract(s) {shown}, which are not yours; nothing was loaded. "
            f"Your contracts: {', '.join(sorted(person.contracts)) or 'none yet'}."
        )
    if "provider" in columns:
        mine = _lower(person.providers)
        wrong = sorted({str(v).strip() for v in frame[columns["provider"]].drop_nulls().to_list()} - {""})
        wrong = [w for w in wrong if w.lower() not in mine]
        if wrong:
            raise AccessRefused(f"{file_name} names another provider ({wrong[0]}); nothing was loaded.")
