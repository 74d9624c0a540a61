"""`jikimi bench`: speed and scale measured in one run, ratios against baselines of the same run."""
