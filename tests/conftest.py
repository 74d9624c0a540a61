"""Test-wide settings: tests' data folders are throwaway, so their template key may live there.

Production refuses a generated key inside the data folder (`jikimi.keyring`); the tests that
check that refusal set `allow_key_in_data_dir` back to false themselves. Subprocesses that tests
start inherit this environment.
"""

import os

os.environ.setdefault("JIKIMI_SECURITY__ALLOW_KEY_IN_DATA_DIR", "true")
