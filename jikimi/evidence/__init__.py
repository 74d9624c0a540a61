"""Evidence preservation, the use case: fetch a hit's media and page again (crawlers.refetch),
verify and record them (`capture.py`), lock them in the evidence locker (`preserve.py`), and show
or hold them later (`review.py`). The lockers themselves are in `search.evidence`."""
