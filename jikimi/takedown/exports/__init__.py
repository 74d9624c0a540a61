"""Takedown exports beyond the batch file: a referral CSV for the Korean regulator and victim
support centre, Lumen-style notice records for transparency reporting, and hash-sharing records
(PDQ, MD5, vPDQ) for StopNCII/ThreatExchange-style programmes. None holds a victim's name, case
ref or contacts, and none holds media bytes.
"""

from jikimi.takedown.exports.hashes import (
    HASH_FIELDS,
    HashExport,
    HashRecord,
    hash_records,
    hashes_csv,
    hashes_json,
    vpdq_value,
)
from jikimi.takedown.exports.lumen import action_taken, lumen_json, lumen_notice
from jikimi.takedown.exports.referral import REFERRAL_COLUMNS, referral_csv, referral_rows

__all__ = ["HASH_FIELDS", "REFERRAL_COLUMNS", "HashExport", "HashRecord", "action_taken",
           "hash_records", "hashes_csv", "hashes_json", "lumen_json", "lumen_notice",
           "referral_csv", "referral_rows", "vpdq_value"]
