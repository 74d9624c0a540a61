"""The web portal: sign-in, the operators' review queue with blurred previews and audited
decisions, the takedown teams' batches and the status of each URL, and JSON twins for
automation; victims' pages come next."""
