"""What leaves the archive as files: exports (CSV, JSON), citations (plain text, BibTeX, CSL-JSON)
and versioned dataset releases."""
