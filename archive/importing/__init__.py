"""Bring your own correspondence: e-mail (mbox, .eml, Outlook .msg), Twitter/X archives,
Telegram and WhatsApp exports and CSV transcriptions, imported as batches that keep where each
message came from. Readers (one module per format) turn a file into `items.Item`s; `formats`
registers each format (one entry: its reader, detection, external-id family and label);
`importer` writes what the readers find.
"""
