"""The kernel: what every other package of jikimi stands on, and which imports none of them.

Records (`records.py`: media, sightings, faces, persons, templates, hits, alerts, evidence;
`accounts.py`: the portal's accounts, API tokens and web sessions), ports (`ports/`: the
interfaces adapters implement and library code takes), the one `Settings` object with its
sections (`settings*.py`), the exception tree (`errors.py`), and small value types that two
pipeline packages share (`sniff.py`, `frames.py`, `timeranges.py`,
`quality.py`). No I/O and no backend here: anything that reaches a network, a disk or a model
belongs to a pipeline package, and choosing one belongs to `jikimi.registry`.
"""
