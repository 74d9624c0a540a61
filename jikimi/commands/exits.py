"""Exit statuses every command keeps to, so that cron, a scheduler or a shell script can tell
success from partial failure from a run that could do nothing at all.

A per-item failure (a 404, a corrupt image, a refused delivery) never stops the others; it is
recorded in the report and turns the exit status to PARTIAL, so it is never silent either.
"""

from __future__ import annotations

from collections.abc import Sized

OK = 0  # everything asked was done
PARTIAL = 1  # done, but some items or deliveries failed: the report printed says which
USAGE = 2  # a usage or configuration error (bad flag, bad config file, unknown id): nothing done
NOTHING_DONE = 3  # nothing could be done (the start page unreachable, the store unavailable)
BROKEN_PIPE = 141  # stdout closed by its reader (`| head`): 128 + SIGPIPE, as the shell reports

EPILOG = """exit status:
  0    success
  1    partial: some items or deliveries failed (the printed report lists them)
  2    usage or configuration error (bad option, config file, unknown id)
  3    nothing could be done (e.g. the crawl's start page could not be fetched)
  130  interrupted (Ctrl-C); run the same command again to resume
  141  stdout was closed early by its reader (e.g. `| head`); output stopped there"""


def for_errors(errors: Sized) -> int:
    """OK without errors, PARTIAL with any."""
    return PARTIAL if len(errors) else OK


def for_crawl(pages: int, media_found: int, errors: Sized) -> int:
    """NOTHING_DONE when the crawl reached no page and no media (its start pages could not be
    fetched, or were refused), else OK or PARTIAL."""
    if pages == 0 and media_found == 0:
        return NOTHING_DONE
    return for_errors(errors)
