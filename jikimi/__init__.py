"""jikimi (지킴이): find sexual deepfakes of enrolled victims on the web and get them taken down.

The shared core lives here: settings, records, ports (the interfaces every backend adapter
implements), wiring (which adapter a setting selects), the CLI, alerts and the demo.
"""

__version__ = "0.1.0"
