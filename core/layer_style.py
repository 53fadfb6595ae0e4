"""QGIS layer styles (``.qml``) written beside output GeoTIFFs, so a map opened by hand shows
what it holds: a true-colour composite (B4, B3, B2) when it has those bands, else its first
band in grey, stretched over its 2nd-98th percentiles, NoData transparent."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import numpy as np

TRUE_COLOUR = ("B4", "B3", "B2")


def _stretch(values: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    data = values[mask & np.isfinite(values)]
    if data.size == 0:
        return 0.0, 1.0
    low, high = (float(v) for v in np.percentile(data, (2, 98)))
    return low, high if high > low else low + max(abs(low) * 0.01, 1e-6)


def _enhancement(tag: str, low: float, high: float) -> str:
    return (f"<{tag}><minValue>{low:.6g}</minValue><maxValue>{high:.6g}</maxValue>"
            f"<algorithm>StretchToMinimumMaximum</algorithm></{tag}>")


def raster_qml(bands: list[str], data: np.ndarray, valid: np.ndarray) -> str:
    """The style of a (bands, rows, cols) raster whose bands are named ``bands``."""
    data = np.asarray(data)
    valid = np.broadcast_to(valid, data.shape)
    if all(band in bands for band in TRUE_COLOUR):
        index = [bands.index(band) for band in TRUE_COLOUR]
        red, green, blue = (i + 1 for i in index)
        enhancements = "".join(
            _enhancement(f"{colour}ContrastEnhancement", *_stretch(data[i], valid[i]))
            for colour, i in zip(("red", "green", "blue"), index, strict=True))
        renderer = (f'<rasterrenderer type="multibandcolor" redBand="{red}" '
                    f'greenBand="{green}" blueBand="{blue}" opacity="1" alphaBand="-1" '
                    f'nodataColor="">{enhancements}</rasterrenderer>')
    else:
        low, high = _stretch(data[0], valid[0])
        renderer = ('<rasterrenderer type="singlebandgray" grayBand="1" '
                    'gradient="BlackToWhite" opacity="1" alphaBand="-1" nodataColor="">'
                    f'{_enhancement("contrastEnhancement", low, high)}</rasterrenderer>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f"<qgis version={quoteattr('3.22')} styleCategories=\"AllStyleCategories\">"
            f"<pipe>{renderer}</pipe></qgis>\n")
