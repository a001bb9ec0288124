"""Screenshots of every page and every tab at 1400 and 800 px wide, for a person to look at (not a test).

    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8501 --out /tmp/shots [--locality E07000010]

Start the dashboard first (`asc serve` or `make run`). Uses Debian's Chromium, as the browser tests do.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "overview": "",
    "direct_payments": "direct_payments",
    "direct_payments_districts": "direct_payments?tab=Districts",
    "direct_payments_comparators": "direct_payments?tab=Comparators",
    "direct_payments_support": "direct_payments?tab=Support+and+ISFs",
    "direct_payments_groups": "direct_payments?tab=By+group",
    "workforce": "workforce",
    "workforce_rural": "workforce?tab=The+rural+gap",
    "workforce_cme": "workforce?tab=Care+micro-enterprises",
    "satisfaction": "satisfaction_outcomes",
    "satisfaction_ascs": "satisfaction_outcomes?tab=Adult+Social+Care+Survey",
    "satisfaction_outcomes": "satisfaction_outcomes?tab=Outcomes+of+reviews",
    "benchmarking": "benchmarking",
    "benchmarking_funnel": "benchmarking?tab=Funnel",
    "benchmarking_trend": "benchmarking?tab=Trend",
    "benchmarking_map": "benchmarking?tab=Map",
    "provider_kpis": "provider_kpis",
    "demand": "demand_scenarios",
    "demand_projection": "demand_scenarios?tab=Population-driven+demand",
    "demand_waiting": "demand_scenarios?tab=Waiting+times",
    "demand_scenario": "demand_scenarios?tab=Scenario",
    "demand_compare": "demand_scenarios?tab=Compare+scenarios",
    "data": "data",
    "glossary": "glossary",
    "audit": "audit",
}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--query", default="", help="extra URL parameters, e.g. locality=E07000010&period=2023/24 Q2")
    parser.add_argument("--widths", default="1400,800")
    parser.add_argument("--height", type=int, default=3600)
    parser.add_argument("--pages", default=",".join(PAGES), help="which pages, by the names above")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for width in (int(w) for w in args.widths.split(",")):
            page = browser.new_page(viewport={"width": width, "height": args.height})
            for name in args.pages.split(","):
                path = PAGES[name]
                joined = "&" if "?" in path else "?"
                page.goto(f"{args.url}/{path}{joined}{args.query}", timeout=90_000)
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000)
                page.wait_for_timeout(1500)  # charts draw after the script finishes
                # Every chart drawn (those in a closed tab are not drawn until it opens).
                page.wait_for_function(
                    """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                             .every(c => !c.checkVisibility() || c.querySelector('.main-svg'))""",
                    timeout=60_000,
                )
                page.wait_for_selector('[data-testid="stSkeleton"]', state="detached", timeout=60_000)
                page.screenshot(path=str(out / f"{name}-{width}.png"))
                print(out / f"{name}-{width}.png")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
