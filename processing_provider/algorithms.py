"""The algorithms the provider offers, as (module, class) names. A module that cannot be
imported is left out with a message in the QGIS log instead of taking the whole provider
down; modules import no optional package at import time, so a missing dependency is
reported by the algorithm's ``canExecute()`` instead."""

import importlib

ALGORITHMS = [
    ("simulate", "SimulateAlgorithm"),
    ("unmix", "UnmixAlgorithm"),
    ("retrieve", "RetrieveAlgorithm"),
    ("build_mockup", "BuildMockupAlgorithm"),
    ("demo_scene", "DemoSceneAlgorithm"),
    ("degrade", "DegradeAlgorithm"),
    ("compare_images", "CompareAlgorithm"),
    ("coregister", "CoregisterAlgorithm"),
]


def algorithm_classes() -> list[type]:
    classes = []
    for module_name, class_name in ALGORITHMS:
        try:
            module = importlib.import_module(f".{module_name}", __package__)
        except ImportError as error:
            from qgis.core import Qgis, QgsMessageLog

            QgsMessageLog.logMessage(f"Unmix3D: algorithm module {module_name} not loaded "
                                     f"({error})", "Unmix3D", Qgis.Warning)
            continue
        classes.append(getattr(module, class_name))
    return classes
