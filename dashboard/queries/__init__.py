"""Named, parameterised queries over the warehouse: ``Warehouse(settings).dp_uptake(...)`` and so on.

One module per user group keeps each page set's queries together; ``core`` owns the connection.
"""

from dashboard.queries.core import Meta, Warehouse, WarehouseMissing  # noqa: F401
from dashboard.queries.data import REJECTS_DOWNLOAD, REJECTS_SHOWN  # noqa: F401
from dashboard.queries.demand import DEMAND_TABLES  # noqa: F401
