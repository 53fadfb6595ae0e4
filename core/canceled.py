"""The one exception every long core computation raises when the user cancels.

Builders, the tracer, the unmixing pipeline and the retrieval all raise ``Canceled`` after
removing what they had started to write; the Processing algorithms turn it into "Canceled:
nothing was written".
"""


class Canceled(Exception):
    """The user canceled a long computation; nothing was written."""
