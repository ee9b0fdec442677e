"""Corpus building: cleaning raw documents, ingest with a manifest, gold annotations."""
