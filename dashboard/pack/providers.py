"""The pack's provider KPI summary: every contract's return and KPIs in the quarter.

Laid out from the Provider KPIs presenter (``dashboard.present.provider_kpis.providers_summary``), so the
pack rates and words each KPI as the contract managers' review does. Provider contracts are county-wide,
so the summary is the same whichever area the pack is for.
"""

from __future__ import annotations

from dashboard.pack.content import Scope, Section
from dashboard.present.provider_kpis import providers_summary


def provider_kpis(scope: Scope) -> Section:
    summary = providers_summary(scope.wh, scope.period)
    return Section("provider-kpis", "Provider KPIs: summary", summary.scope).add(*summary.blocks)
