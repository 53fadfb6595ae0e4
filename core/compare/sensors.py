"""Sensor band definitions and band pairing between two images.

The definitions live in ``sensors.json`` beside this module (one data file, easy to
correct by hand); Sentinel-2's centres, widths and resolutions come from the one band table
in ``core/sentinel2.py``. Wavelengths are in micrometres, resolutions in metres.

Pairing rule (``pair_bands``): two bands *overlap* when the centre of one lies within the
wider band's ``centre +- width/2``. Each band is used at most once: overlapping candidates
are taken greedily by smallest centre difference, then smallest width difference. This is
what makes Sentinel-2 B8A (narrow NIR), not B8 (broad NIR), the partner of PlanetScope's
NIR band, as in METHOD.md's table. Hand-written pairs (``"B2:2,B3:4"``) replace the
automatic pairing entirely.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SENSORS_FILE = Path(__file__).with_name("sensors.json")


@dataclass(frozen=True)
class Band:
    """One spectral band. ``centre_um``/``width_um`` are None for bands of unknown sensors."""

    id: str
    number: str
    label: str
    name: str
    centre_um: float | None = None
    width_um: float | None = None
    resolution_m: float | None = None
    l2a_name: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def has_spectrum(self) -> bool:
        return self.centre_um is not None and self.width_um is not None

    def keys(self) -> set[str]:
        """Normalised names this band answers to (id, label, name, L2A name, aliases)."""
        names = {self.id, self.label, self.name, *self.aliases}
        if self.l2a_name:
            names.add(self.l2a_name)
        return {_norm(n) for n in names if n}


@dataclass(frozen=True)
class Sensor:
    """A sensor: its bands in the sensor's own order and the band orders of its products."""

    id: str
    name: str
    bands: tuple[Band, ...]
    aliases: tuple[str, ...] = ()
    band_orders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = ""

    def band(self, label: str) -> Band:
        """The band called ``label`` (id "B4"/"B04", name "red", alias, "Band 4", "4").

        Numbers ("4", "Band 4", "band_04") are the sensor's own band numbers, not positions
        in a file.
        """
        found = _find(self.bands, label)
        if found is None:
            known = ", ".join(b.id + f" ({b.name})" for b in self.bands)
            raise ValueError(
                f"Band {label!r} is not a band of sensor {self.name!r}; known bands: {known}"
            )
        return found


BandSource = Sensor | str | Sequence[Band] | int


@dataclass(frozen=True)
class BandPair:
    """A pair of bands to compare; ``index_a``/``index_b`` index the band lists paired.

    When a sensor (name) was paired, the indices are positions in its ``bands``; when band
    lists from ``map_layer_bands`` were paired, they are the layers' 0-based band indices.
    ``how`` is "overlap" (spectral rule), "order" (same position) or "manual".
    """

    index_a: int
    index_b: int
    band_a: Band
    band_b: Band
    how: str

    @property
    def label(self) -> str:
        return f"{self.band_a.label}-{self.band_b.label}"


# --------------------------------------------------------------------------- loading


def _norm(text: str) -> str:
    """Lower-case, drop spaces/underscores/hyphens/dots, B04 -> b4, "Band 04" -> band4."""
    t = re.sub(r"[\s_\-.]+", "", str(text).strip().lower())
    t = re.sub(r"^(b|band)0+(\d)", r"\1\2", t)
    return t


def _find(bands: Sequence[Band], label: str) -> Band | None:
    """Find a band by name first, then by the number in "4", "Band 4", "B4"."""
    text = label.split(",")[0]  # GDAL's SENTINEL2 driver: "B4, central wavelength 665nm"
    text = re.sub(r"[_\s]\d+m$", "", text.strip())  # L2A file names: "B04_10m"
    key = _norm(text)
    for band in bands:
        if key in band.keys():
            return band
    match = re.fullmatch(r"(?:band|b)?0*(\d+a?)", key)
    if match:
        for band in bands:
            if band.number.lower() == match.group(1):
                return band
    return None


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Sensor]:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    raw = {entry["id"]: entry for entry in data["sensors"]}
    for entry in raw.values():
        if entry.get("spectral_table") == "sentinel2":
            entry["bands"] = [_sentinel2_numbers(band) for band in entry["bands"]]
    sensors: dict[str, Sensor] = {}
    for sid, entry in raw.items():
        if "inherits" in entry:
            parent = raw[entry["inherits"]]
            band_dicts = [dict(b) for b in parent["bands"]]
            for band in band_dicts:
                if band["id"] in entry.get("spectral", {}):
                    band["centre_um"], band["width_um"] = entry["spectral"][band["id"]]
            orders = parent.get("band_orders", {})
        else:
            band_dicts = entry["bands"]
            orders = entry.get("band_orders", {})
        bands = tuple(
            Band(
                id=b["id"],
                number=str(b["number"]),
                label=b["label"],
                name=b["name"],
                centre_um=b.get("centre_um"),
                width_um=b.get("width_um"),
                resolution_m=b.get("resolution_m"),
                l2a_name=b.get("l2a_name"),
                aliases=tuple(b.get("aliases", ())),
            )
            for b in band_dicts
        )
        _check_unique(entry["name"], bands)
        sensors[sid] = Sensor(
            id=sid,
            name=entry["name"],
            bands=bands,
            aliases=tuple(entry.get("aliases", ())),
            band_orders={k: tuple(v) for k, v in orders.items()},
            source=entry.get("source", ""),
        )
    return sensors


def _sentinel2_numbers(band: dict) -> dict:
    """A Sentinel-2 band of sensors.json completed from the band table of core/sentinel2.py."""
    from ..sentinel2 import S2_CENTERS_UM, S2_RESOLUTION_M, S2_WIDTHS_UM

    return {**band, "centre_um": S2_CENTERS_UM[band["id"]], "width_um": S2_WIDTHS_UM[band["id"]],
            "resolution_m": S2_RESOLUTION_M[band["id"]]}


def _check_unique(sensor_name: str, bands: Sequence[Band]) -> None:
    seen: dict[str, str] = {}
    for band in bands:
        for key in band.keys() | {"band" + band.number.lower()}:
            if seen.setdefault(key, band.id) != band.id:
                raise ValueError(
                    f"sensors.json: name {key!r} of sensor {sensor_name!r} is used by bands "
                    f"{seen[key]} and {band.id}"
                )


def load_sensors(path: str | Path | None = None) -> dict[str, Sensor]:
    """All sensor definitions by id (read once and cached)."""
    return dict(_load(str(path or SENSORS_FILE)))


def sensor_names() -> list[str]:
    """Sensor ids, for a processing algorithm's drop-down."""
    return list(_load(str(SENSORS_FILE)))


def get_sensor(name: str | Sensor) -> Sensor:
    """A sensor by id, display name or alias (case, spaces, '-' and '_' ignored)."""
    if isinstance(name, Sensor):
        return name
    sensors = _load(str(SENSORS_FILE))
    key = _norm(name)
    for sensor in sensors.values():
        if key in {_norm(n) for n in (sensor.id, sensor.name, *sensor.aliases)}:
            return sensor
    raise ValueError(f"Unknown sensor {name!r}; known sensors: {', '.join(sensors)}")


# --------------------------------------------------------------------------- layer bands


def generic_bands(count_or_names: int | Sequence[str]) -> list[Band]:
    """Bands of an image from no known sensor ("bands in order" mode).

    Each band is named after its description (or "band N") and numbered by its 1-based
    position, so overrides like "1:3" refer to positions.
    """
    if isinstance(count_or_names, int):
        if count_or_names < 1:
            raise ValueError(f"An image needs at least one band, got {count_or_names}")
        names: list[str] = [""] * count_or_names
    else:
        names = [str(n or "") for n in count_or_names]
        if not names:
            raise ValueError("An image needs at least one band, got none")
    bands = []
    for i, name in enumerate(names):
        text = name.strip() or f"band {i + 1}"
        bands.append(Band(id=text, number=str(i + 1), label=text, name=text))
    return bands


def _is_placeholder(names: Sequence[str]) -> bool:
    """True when a layer's names say nothing: all empty, or exactly "Band 1".."Band n"."""
    if all(not (n or "").strip() for n in names):
        return True
    return [_norm(n) for n in names] == [f"band{i + 1}" for i in range(len(names))]


def map_layer_bands(
    sensor: Sensor | str | None,
    descriptions: Sequence[str | None],
    order: Sequence[str] | None = None,
) -> list[Band]:
    """Definitions of a layer's bands, in the layer's band order.

    ``descriptions`` are the layer's band descriptions (GDAL ``GetDescription()``), one per
    band. They are matched by name ("B4", "B04", "red", "Band 4" = sensor band number 4).
    When they say nothing (all empty, or QGIS's placeholders "Band 1".."Band n"), the band
    count must match one of the sensor's product band orders (e.g. 12 bands = Sentinel-2 L2A
    without B10), or ``order`` must list the sensor bands in the layer's order.
    ``sensor=None`` gives generic bands ("bands in order, no sensor" mode).
    """
    count = len(descriptions)
    if count == 0:
        raise ValueError("The layer has no bands")
    if sensor is None:
        if order is not None:
            raise ValueError("A band order needs a sensor; without one bands are compared in order")
        return generic_bands(list(descriptions) if not _is_placeholder(descriptions) else count)
    sens = get_sensor(sensor)
    if order is not None:
        labels = list(order)
        if len(labels) != count:
            raise ValueError(
                f"Band order lists {len(labels)} bands but the layer has {count} "
                f"(sensor {sens.name!r})"
            )
        bands = [sens.band(lbl) for lbl in labels]
    elif _is_placeholder(descriptions):
        matching = {k: v for k, v in sens.band_orders.items() if len(v) == count}
        if len(matching) != 1:
            known = ", ".join(f"{len(v)} ({k})" for k, v in sens.band_orders.items())
            why = "several" if matching else "no"
            raise ValueError(
                f"The layer has {count} unnamed bands and sensor {sens.name!r} has {why} band "
                f"order with {count} bands (known: {known}); name the bands or give their order"
            )
        bands = [sens.band(lbl) for lbl in next(iter(matching.values()))]
    else:
        bands = []
        for i, desc in enumerate(descriptions):
            if not (desc or "").strip():
                raise ValueError(
                    f"Band {i + 1} of the layer has no name while others have; cannot tell "
                    f"which band of sensor {sens.name!r} it is"
                )
            bands.append(sens.band(str(desc)))
    seen: dict[str, int] = {}
    for i, band in enumerate(bands):
        if band.id in seen:
            raise ValueError(
                f"Layer bands {seen[band.id] + 1} and {i + 1} are both band {band.id} of "
                f"sensor {sens.name!r}"
            )
        seen[band.id] = i
    return bands


# --------------------------------------------------------------------------- pairing


def _as_bands(source: BandSource, which: str) -> tuple[list[Band], str]:
    if isinstance(source, (Sensor, str)):
        sens = get_sensor(source)
        return list(sens.bands), f"sensor {sens.name!r} (image {which})"
    if isinstance(source, int):
        return generic_bands(source), f"image {which}"
    bands = list(source)
    if not bands:
        raise ValueError(f"Image {which} has no bands")
    return bands, f"image {which}"


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """Parse hand-written pairs "B2:2, B3:4" into [("B2", "2"), ("B3", "4")]."""
    pairs = []
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        parts = item.split(":")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise ValueError(f"Bad band pair {item!r}: write pairs as 'A:B', e.g. 'B2:2,B3:4'")
        pairs.append((parts[0].strip(), parts[1].strip()))
    if not pairs:
        raise ValueError(f"No band pair in {text!r}: write pairs as 'A:B', e.g. 'B2:2,B3:4'")
    return pairs


def _resolve(bands: Sequence[Band], label: str, where: str) -> int:
    band = _find(bands, label)
    if band is None:
        known = ", ".join(f"{b.id} ({b.name})" if b.id != b.name else b.id for b in bands)
        raise ValueError(f"Band {label!r} is not a band of {where}; known bands: {known}")
    return bands.index(band)


def pair_bands(
    sensor_a: BandSource,
    sensor_b: BandSource,
    overrides: str | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
) -> list[BandPair]:
    """Pairs of bands to compare between image A and image B, sorted by A's band order.

    ``sensor_a``/``sensor_b``: a sensor (or its name), a list of bands (from
    ``map_layer_bands``), or a band count (no sensor). Bands with spectra are paired by
    overlapping response (module docstring); if either side has no spectra, bands are
    paired by position and the counts must match. ``overrides`` ("B2:2,B3:4", a mapping or
    (a, b) tuples) replaces the automatic pairing.
    """
    bands_a, where_a = _as_bands(sensor_a, "A")
    bands_b, where_b = _as_bands(sensor_b, "B")
    if overrides is not None:
        if isinstance(overrides, str):
            items = parse_pairs(overrides)
        elif isinstance(overrides, Mapping):
            items = [(str(k), str(v)) for k, v in overrides.items()]
        else:
            items = [(str(k), str(v)) for k, v in overrides]
        pairs = []
        used_a: set[int] = set()
        used_b: set[int] = set()
        for label_a, label_b in items:
            ia = _resolve(bands_a, label_a, where_a)
            ib = _resolve(bands_b, label_b, where_b)
            if ia in used_a or ib in used_b:
                raise ValueError(f"Band pair {label_a}:{label_b} uses a band already paired")
            used_a.add(ia)
            used_b.add(ib)
            pairs.append(BandPair(ia, ib, bands_a[ia], bands_b[ib], "manual"))
        return pairs
    if not all(b.has_spectrum for b in bands_a + bands_b):
        if len(bands_a) != len(bands_b):
            raise ValueError(
                f"Without known sensors bands are paired in order, but image A has "
                f"{len(bands_a)} bands and image B {len(bands_b)}; give the pairs by hand"
            )
        return [
            BandPair(i, i, a, b, "order")
            for i, (a, b) in enumerate(zip(bands_a, bands_b, strict=True))
        ]
    candidates = []
    for ia, a in enumerate(bands_a):
        for ib, b in enumerate(bands_b):
            if bands_overlap(a, b):
                dc = abs(a.centre_um - b.centre_um)
                dw = abs(a.width_um - b.width_um)
                candidates.append((dc, dw, ia, ib))
    candidates.sort()
    pairs = []
    used_a, used_b = set(), set()
    for _, _, ia, ib in candidates:
        if ia in used_a or ib in used_b:
            continue
        used_a.add(ia)
        used_b.add(ib)
        pairs.append(BandPair(ia, ib, bands_a[ia], bands_b[ib], "overlap"))
    if not pairs:
        raise ValueError(f"No band of {where_a} overlaps a band of {where_b}")
    return sorted(pairs, key=lambda p: p.index_a)


def bands_overlap(a: Band, b: Band) -> bool:
    """True when the centre of one band lies within the wider band's centre +- width/2."""
    if not (a.has_spectrum and b.has_spectrum):
        raise ValueError(f"Bands {a.id!r} and {b.id!r} need centres and widths to overlap")
    half = max(a.width_um, b.width_um) / 2.0
    return abs(a.centre_um - b.centre_um) <= half + 1e-12
