"""`jikimi bench`: speed and scale measured in one run, ratios against baselines of the same run.

Each module returns plain dicts of numbers; `report` combines them for printing."""
