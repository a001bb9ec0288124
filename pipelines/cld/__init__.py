"""Client Level Data (CLD): the council's quarterly return to NHS England, read as councils send it.

``fields`` says what is stored (``raw_cld``, CLD_CONTRACT) and how each file column is judged for data quality;
``mapping`` turns raw values into Release 2 labels from ``pipelines/reference/cld/values.csv``; ``reader``
loads one file (cleaned, minimised and pseudonymised in one pass inside DuckDB); ``quality`` counts blank,
invalid and mapped values per submission and field.
"""

CLD = "cld"  # the source's name (schemas.CLD_SOURCES)
