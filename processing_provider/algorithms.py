"""The list of algorithms the provider offers. Modules import no optional package at import
time, so one whose dependency is missing still loads and reports it in ``canExecute()``."""


def algorithm_classes() -> list[type]:
    from .compare_images import CompareAlgorithm
    from .coregister import CoregisterAlgorithm
    from .degrade import DegradeAlgorithm
    from .demo_scene import DemoSceneAlgorithm
    from .simulate import SimulateAlgorithm
    from .unmix import UnmixAlgorithm

    return [SimulateAlgorithm, UnmixAlgorithm, DemoSceneAlgorithm, DegradeAlgorithm,
            CompareAlgorithm, CoregisterAlgorithm]
