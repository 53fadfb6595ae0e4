"""3D-Diff-style retrieval on cached traces: scene-wide (or zone-wide) element spectra, or
PROSPECT parameters of leaves, by bounded quasi-Newton minimisation of an image loss.

The parts: ``loss`` (unknowns, bounds, the loss and its exact gradient), ``optimise``
(multi-start L-BFGS-B, the result) and ``uncertainty`` (sandwich covariance, profile
intervals, status). This module gathers their public names.
"""

from .loss import (  # noqa: F401
    FIXED,
    FREE,
    MODES,
    PROSPECT,
    SENSITIVITY_FLOOR,
    Layout,
    Parameter,
    Problem,
    RetrievalError,
    View,
    default_prior,
    prepare,
)
from .optimise import INTERVALS, Canceled, RetrievalResult, retrieve  # noqa: F401
