"""Worker process of the build's forecasting step: fits series from a folder the build shares with it.

Started by :func:`pipelines.forecasting._fit_many` as ``python -m pipelines.forecast_worker FOLDER``; the
folder is the build's private temporary folder, holding pickles written and read only by the build.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    from pipelines.forecasting import fit_unclaimed

    fit_unclaimed(Path(sys.argv[1]))
