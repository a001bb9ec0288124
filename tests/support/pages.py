"""Every page's URL path ("" is the Overview), for browser tests that visit them all."""

PAGE_PATHS = [
    "",
    "direct_payments",
    "workforce",
    "satisfaction_outcomes",
    "benchmarking",
    "provider_kpis",
    "demand_scenarios",
    "data",
    "glossary",
    "audit",
]
