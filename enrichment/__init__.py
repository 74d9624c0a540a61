"""Enrichment: compute from media bytes — decode safely, sample video, find and embed faces,
hash, and score how likely an item is synthetic, with its evidence."""
