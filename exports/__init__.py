"""Aggregations and file exports for analysts (pseudonymous, spreadsheet-safe)."""

from .raw import ExportFormat, answers_frame, codebook_frame, export_bytes, write_export
from .safety import neutralise_cell, neutralise_frame

__all__ = ["ExportFormat", "answers_frame", "codebook_frame", "export_bytes", "neutralise_cell", "neutralise_frame", "write_export"]
