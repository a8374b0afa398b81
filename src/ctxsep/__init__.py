"""ctxsep: keeps a session-in-context → separated-concerns migration honest.

The public entry point for front ends is :func:`ctxsep.engine.check_file`;
everything a host adapter needs is re-exported there.
"""

__version__ = "0.1.0"
