"""The pilot's documents as files: reports in Markdown and CSV, and charts as PNG.

Pure: each builder takes the record (``bot.documents.record``) as of one instant and
returns bytes; ``storage.documents`` reads the record, delivery uploads the files.
"""
