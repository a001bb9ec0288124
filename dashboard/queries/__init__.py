"""Named, parameterised queries over the warehouse: the only place the dashboard touches SQL.

Pages call ``queries.<name>(...)`` and get Polars frames back. One module per user group keeps each
page set's queries together; ``core`` owns the read-only connection and the per-build cache.
"""

from dashboard.queries.committee import *  # noqa: F403
from dashboard.queries.core import Meta, WarehouseMissing, localities, meta, periods, settings  # noqa: F401
from dashboard.queries.data import *  # noqa: F403
from dashboard.queries.demand import *  # noqa: F403
from dashboard.queries.kpis import *  # noqa: F403
