"""`jikimi demo`: the whole flow on a local fixture site built from neutral, licensed photos."""
