"""jikimi (지킴이): find sexual deepfakes of enrolled victims on the web and get them taken down.

This package is the application, the top floor: `registry.py` turns settings into adapters (the
only module that names them), the use cases combine the pipeline packages (`crawlers`,
`enrichment`, `search`) over the kernel's ports — the flow, enrollment, evaluation, erasure,
exports, evidence preservation, alert delivery, the scheduler's tasks, portal accounts — and the
CLI and the demo drive them. Nothing below imports it.
"""

__version__ = "0.1.0"
