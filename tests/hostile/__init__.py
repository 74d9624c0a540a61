"""A hostile corpus for the whole pipeline, generated from a seed (no stored binaries).

Crawled media and pages are written by whoever wants the crawler to fail: truncated and
bit-flipped files in every format Pillow and PyAV write, header and animation bombs, gzip and
brotli bombs, lying content types, and HTML built to trap an extractor. `corpus.build_corpus`
turns a seed into FixtureSite routes, so a failure reproduces from its seed alone.
"""
