"""Enrichment: decode media safely, find and embed faces, hash, and (later) score synthesis."""
