"""The web portal: sign-in, the operators' review queue with blurred previews and audited
decisions, and its JSON twin for automation; victims' and takedown teams' pages come next."""
