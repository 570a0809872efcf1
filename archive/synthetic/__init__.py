"""Synthetic archives for scale tests and benchmarks (`manage.py generate_archive`)."""

from archive.synthetic.generator import ArchiveNotEmpty, SchemaMissing, generate_archive

__all__ = ["ArchiveNotEmpty", "SchemaMissing", "generate_archive"]
