"""Sentinel-2 specifics: the band table (the one place Unmix3D keeps MSI band centres,
widths and resolutions: demo spectra, PROSPECT band averages and the sensors of ``compare``
all read it), reading the acquisition angles from the tile metadata (``MTD_TL.xml``), and
recognising reflectance still stored as scaled integers.

Band centres and widths: Sentinel-2 MSI nominal values, ESA Sentinel-2 User Handbook.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import numpy as np

#: Sentinel-2 L2A reflectance bands in file order (B10 is a cirrus band absent from L2A).
S2_BANDS: tuple[str, ...] = (
    "B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B11", "B12",
)
#: Nominal band centres in micrometres (every MSI band, B10 included).
S2_CENTERS_UM: dict[str, float] = {
    "B1": 0.443, "B2": 0.490, "B3": 0.560, "B4": 0.665, "B5": 0.705, "B6": 0.740,
    "B7": 0.783, "B8": 0.842, "B8A": 0.865, "B9": 0.945, "B10": 1.375, "B11": 1.610,
    "B12": 2.190,
}
#: Nominal band widths in micrometres.
S2_WIDTHS_UM: dict[str, float] = {
    "B1": 0.020, "B2": 0.065, "B3": 0.035, "B4": 0.030, "B5": 0.015, "B6": 0.015,
    "B7": 0.020, "B8": 0.115, "B8A": 0.020, "B9": 0.020, "B10": 0.030, "B11": 0.090,
    "B12": 0.180,
}
#: Native resolution of each band in metres.
S2_RESOLUTION_M: dict[str, int] = {
    "B1": 60, "B2": 10, "B3": 10, "B4": 10, "B5": 20, "B6": 20, "B7": 20, "B8": 10,
    "B8A": 20, "B9": 60, "B10": 60, "B11": 20, "B12": 20,
}


def read_tile_angles(path: str | os.PathLike) -> dict[str, float]:
    """Mean sun zenith/azimuth and mean view zenith/azimuth (over bands and detectors) from
    a Sentinel-2 L1C/L2A tile metadata file, in degrees."""
    try:
        root = ET.parse(str(path)).getroot()
    except (ET.ParseError, OSError) as error:
        raise ValueError(f"{path} is not a readable Sentinel-2 tile metadata file ({error})") \
            from None
    sun = root.find(".//Mean_Sun_Angle")
    if sun is None:
        raise ValueError(f"{path} has no Mean_Sun_Angle: is it MTD_TL.xml of a Sentinel-2 tile?")
    angles = {"sun_zenith": float(sun.findtext("ZENITH_ANGLE")),
              "sun_azimuth": float(sun.findtext("AZIMUTH_ANGLE"))}
    views = root.findall(".//Mean_Viewing_Incidence_Angle_List/Mean_Viewing_Incidence_Angle")
    if views:
        zenith = [float(v.findtext("ZENITH_ANGLE")) for v in views]
        azimuth = np.radians([float(v.findtext("AZIMUTH_ANGLE")) for v in views])
        angles["view_zenith"] = float(np.mean(zenith))
        angles["view_azimuth"] = float(np.degrees(np.arctan2(np.sin(azimuth).mean(),
                                                             np.cos(azimuth).mean())) % 360)
    return angles


#: median reflectance above which a band holds scaled integers (the brightest natural
#: surfaces, fresh snow, stay below 1)
SCALED_MEDIAN = 1.5


def surface_reflectance(data: np.ndarray, valid: np.ndarray, band_names: list[str],
                        scale: float = 1.0, offset: float = 0.0, name: str = "IMAGE",
                        integer_type: bool = False):
    """Apply ``reflectance = value * scale + offset`` and check the result looks like surface
    reflectance. Returns (reflectance, valid per pixel in every band, notes).

    Scaled integers (Sentinel-2 L2A stores reflectance x 10000, with an offset of -1000
    since processing baseline 04.00) are recognised from the data type (``integer_type``:
    integers with values above 1 once scaled) or the distribution (a median above
    ``SCALED_MEDIAN``), never from one pixel: a float image's noisy pixels may reach 3.
    Refused with the fix in the message. Negative or saturated (> 1) pixels are set aside
    as NoData.
    """
    reflectance = data * scale + offset
    notes = []
    for b, band in enumerate(band_names):
        values = reflectance[b][valid[b]]
        values = values[np.isfinite(values)]
        check_not_scaled(name, band, values, float(values.max()) if values.size else 0.0,
                         integer_type)
    usable = valid & np.isfinite(reflectance)
    out_of_range = usable & ((reflectance < 0) | (reflectance > 1))
    if out_of_range.any():
        for b, band in enumerate(band_names):
            count = int(out_of_range[b].sum())
            if count:
                notes.append(out_of_range_note(name, band, count))
    per_pixel = np.all(usable & ~out_of_range, axis=0)
    return reflectance, per_pixel, notes


def check_not_scaled(name: str, band: str, values: np.ndarray, largest: float,
                     integer_type: bool) -> None:
    """Refuse a band whose valid ``values`` (all of them, or a sample for an image read in
    blocks; ``largest``: the band's largest valid value) look like scaled integers."""
    if values.size == 0:
        raise ValueError(f"{name} band {band} holds no valid pixel (all NoData or NaN)")
    median = float(np.median(values))
    if median > SCALED_MEDIAN or (integer_type and largest > 1.0):
        raise ValueError(
            f"{name} band {band} has a median of {median:g} ("
            f"{'integers' if integer_type else 'floats'}): it looks like scaled integers, "
            f"not reflectance. For Sentinel-2 L2A set SCALE=0.0001 and OFFSET=-0.1 "
            f"(processing baseline 04.00 and later; OFFSET=0 before)"
        )


def out_of_range_note(name: str, band: str, count: int) -> str:
    return f"{name} band {band}: {count} negative or saturated pixels set aside as NoData"
