"""Engine guards as users meet them in Processing: default seeds, pixels beyond the mock-up,
the lost-path and memory lines of the log, simulate and unmix chained in a model, and two
algorithms running at once."""

import pytest


def test_simulate_unmix_and_retrieve_never_default_to_the_same_seed(unmix3d_provider):
    """Unmixing an image simulated with the defaults must not invert the very same paths."""
    seeds = {name: unmix3d_provider.algorithm(name).parameterDefinition("SEED").defaultValue()
             for name in ("simulate", "unmix", "retrieve")}
    assert len(set(seeds.values())) == 3, seeds
    help_text = unmix3d_provider.algorithm("unmix").parameterDefinition("SEED").help()
    assert "simulate 1, unmix 2" in help_text
    assert seeds["simulate"] == 1 and seeds["unmix"] == 2


@pytest.mark.parametrize("name", ["simulate", "unmix"])
def test_terrain_parameter_is_offered_with_help(unmix3d_provider, name):
    parameter = unmix3d_provider.algorithm(name).parameterDefinition("TERRAIN")
    assert parameter.defaultValue() == "ground" and "orthorectified" in parameter.help()
