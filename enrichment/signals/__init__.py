"""Synthetic-media signals: plug-ins that each look at one kind of evidence.

Every signal turns a :class:`~kernel.ports.SignalInput` into a list of
:class:`~kernel.records.Evidence`; the suite (``enrichment.signals.suite``) runs the enabled ones
and combines their evidence into ``fake_score`` and ``score_basis``. A signal never decides a
takedown: the score only orders the review queue.
"""
