"""Benchmarks the `jikimi bench` command runs: each module measures one part and returns a dict."""
