"""The list of algorithms the provider offers. Modules import no optional package at import
time, so one whose dependency is missing still loads and reports it in ``canExecute()``."""


def algorithm_classes() -> list[type]:
    from .degrade import DegradeAlgorithm

    return [DegradeAlgorithm]
