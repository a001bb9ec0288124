"""Exports of the provider KPI review: an Excel workbook and a PDF with charts."""
