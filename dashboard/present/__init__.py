"""Presenters: each theme's numbers, sentences, verdicts, charts and tables, computed once, without Streamlit.

A regular package (not a namespace one) so that import-linter sees its modules.
"""
