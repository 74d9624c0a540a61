"""Coverage-guided fuzzing (atheris, libFuzzer) of the two parsers that read hostile bytes first:
the HTML extractor and the image decoder wrapper. Run with `make fuzz` (FUZZ_SECONDS each)."""
