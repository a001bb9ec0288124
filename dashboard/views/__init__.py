"""Streamlit pages, run by the router in ``dashboard/app.py`` as scripts; they only lay out presenter output.

A regular package (not a namespace one) so that import-linter sees its modules.
"""
