"""The 3D surface under a 6S atmosphere: top-of-atmosphere (TOA) reflectance from the traced
surface BRF, its inverse, and the derivative chain.

Per band, with R(p) the pixel's BRF from the trace evaluated with SKYL = the atmosphere's
sky share (``BandTerms.sky_share``) and rho_e(p) the environment reflectance around p::

    TOA(p) = rho_path + T_g * T_down * (e_v * R(p) + t_v * rho_e(p)) / (1 - S * rho_e(p))
    rho_e  = K * R: a surrounding-reflectance kernel (6S's environment function), the part
             of it beyond the image on the scene's mean

(T_down = e^(-tau/mu_s) + t_d(mu_s); e_v = e^(-tau/mu_v) the direct and t_v the diffuse
upward transmittance; S the spherical albedo; T_g the gaseous transmittance). R is a
polynomial in the elements' r and t, K is linear, so TOA is rational in the traced
polynomials and its gradient is exact (``toa_and_gradients``). Over a uniform Lambertian
plane of reflectance rho it is 6S's own TOA, ``rho_path + T_g T_down T_up rho/(1 - S rho)``.

Where it is weakest (measured by benchmarks/bench_toa.py, figures in the README):

- the light the surface sends back down through S (the coupling) is diffuse, but here it
  keeps the direct/diffuse mix of the first pass: exact for Lambertian planes, off by
  ``S rho_e / (1 - S rho_e) * (R_sky - R)`` where shadows make the sky-lit BRF R_sky differ
  from R (bright scenes, blue bands, heavy aerosol);
- rho_e uses the surroundings' BRF in the view direction where 6S would use their
  hemispherical reflectance, and the part of the kernel beyond the image sits on the image
  mean: strong adjacency (hazy, high-contrast scenes, the blue bands) is where this costs;
- grazing sun or view: the sky share comes from e^(-tau/mu) with 6S's band-mean optical
  depth, 6S's atmosphere is plane-parallel, and the trace's sky is isotropic while the real
  sky brightens towards the sun; all three grow with the zenith angles beyond ~70 deg.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import LinearOperator, gmres

from .sixs import BandTerms

# 6S's environment functions for a sensor above the atmosphere: the share of the diffuse
# upward light that comes from within r km of the target, F(r) = 1 - sum a_k e^(-b_k r),
# for Rayleigh and aerosol scattering (the satellite-level fits of 6S's ENVIRO subroutine,
# Vermote et al., 6S manual; the constants agree with 6SV2.1's ENVIRO for a sensor at 60 km
# and above). Two departures: no view-angle correction (6S's vanishes at nadir), and the
# two are mixed per band with the weights of their diffuse upward transmittances, where 6S
# weighs by the diffuse optical depths
RAYLEIGH_ENVIRONMENT = ((0.930, 0.08), (0.070, 1.10))
AEROSOL_ENVIRONMENT = ((0.448, 0.27), (0.552, 2.83))
MAX_KERNEL_PIXELS = 200  # kernel half-size cap (memory and time of the convolution)


def environment_share(radius_km, terms: BandTerms) -> np.ndarray:
    """F(r): share of the environment contribution from within ``radius_km`` of a target."""
    r = np.asarray(radius_km, dtype=np.float64)

    def cumulative(pairs):
        return 1.0 - sum(a * np.exp(-b * r) for a, b in pairs)

    w_r, w_a = terms.up_diffuse_rayleigh, terms.up_diffuse_aerosol
    if w_r + w_a <= 0:
        return np.ones_like(r)
    return (w_r * cumulative(RAYLEIGH_ENVIRONMENT) + w_a * cumulative(AEROSOL_ENVIRONMENT)) \
        / (w_r + w_a)


@dataclass
class AdjacencyKernel:
    """rho_e = sum_d weights[d] * R(p + d) + far_share * mean(R). ``weights`` is centred
    (odd shape), ``periodic`` wraps the image (the mock-up tiles the plane), otherwise the
    image is mirrored at its edges."""

    weights: np.ndarray
    far_share: float
    periodic: bool = True

    def apply(self, image: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """Environment reflectance of ``image`` (..., rows, cols); pixels outside ``valid``
        take the valid mean."""
        image = np.asarray(image, dtype=np.float64)
        if valid is not None:
            mean = image[..., valid].mean(axis=-1)
            image = np.where(valid, image, mean[..., None, None])
        rows, cols = image.shape[-2:]
        h, w = self.weights.shape[0] // 2, self.weights.shape[1] // 2
        if self.periodic:
            kernel = np.zeros((rows, cols))
            np.add.at(kernel, (np.arange(-h, h + 1)[:, None] % rows,
                               np.arange(-w, w + 1)[None, :] % cols), self.weights)
            # correlation with the kernel (it is symmetric, so convolution too)
            local = np.fft.irfft2(np.fft.rfft2(image) * np.conj(np.fft.rfft2(kernel)),
                                  s=(rows, cols))
        else:
            from scipy.signal import fftconvolve

            pad = [(0, 0)] * (image.ndim - 2) + [(h, h), (w, w)]
            padded = np.pad(image, pad, mode="symmetric")
            local = fftconvolve(padded, self.weights.reshape((1,) * (image.ndim - 2)
                                                             + self.weights.shape),
                                mode="valid", axes=(-2, -1))
        return local + self.far_share * image.mean(axis=(-2, -1), keepdims=True)


def adjacency_kernel(terms: BandTerms, pixel_width_m: float, pixel_height_m: float,
                     rows: int, cols: int, periodic: bool = True,
                     max_radius_km: float = 2.0) -> AdjacencyKernel:
    """The band's environment kernel on the pixel grid, out to the smallest of
    ``max_radius_km``, half the image and 200 pixels; the rest of F goes to the image
    mean."""
    radius_m = min(max_radius_km * 1000.0,
                   0.5 * min(rows * pixel_height_m, cols * pixel_width_m),
                   MAX_KERNEL_PIXELS * min(pixel_width_m, pixel_height_m))
    h = int(radius_m // pixel_height_m)
    w = int(radius_m // pixel_width_m)
    area_km2 = pixel_width_m * pixel_height_m * 1e-6
    # integrate F's density over each pixel on a 5 x 5 sub-grid; the centre pixel exactly
    # as the disc of its area (F rises linearly from 0 there, its density is ~1/r)
    sub = (np.arange(5) - 2) / 5.0
    i = np.arange(-h, h + 1)[:, None, None, None] + sub[None, None, :, None]
    j = np.arange(-w, w + 1)[None, :, None, None] + sub[None, None, None, :]
    r = np.hypot(i * pixel_height_m, j * pixel_width_m) * 1e-3  # km, (2h+1, 2w+1, 5, 5)
    step_km = 1e-4
    density = (environment_share(r + step_km, terms)
               - environment_share(np.maximum(r - step_km, 0.0), terms)) \
        / (2 * step_km) / (2 * np.pi * np.maximum(r, step_km))
    weights = (density * (r <= radius_m * 1e-3)).mean(axis=(2, 3)) * area_km2
    weights[h, w] = float(environment_share(np.sqrt(area_km2 / np.pi), terms))
    total = float(environment_share(radius_m * 1e-3, terms)) if radius_m > 0 else \
        weights[h, w]
    weights *= total / weights.sum()
    return AdjacencyKernel(weights, 1.0 - total, periodic)


def adjacency_kernels(terms: list[BandTerms], grid, periodic: bool = True,
                      max_radius_km: float = 2.0) -> list[AdjacencyKernel]:
    """One kernel per band for a core.simulate.PixelGrid."""
    return [adjacency_kernel(t, grid.pixel_width, grid.pixel_height, grid.rows, grid.cols,
                             periodic, max_radius_km) for t in terms]


def sky_shares(terms: list[BandTerms]) -> np.ndarray:
    """SKYL per band from the atmosphere (bands,)."""
    return np.array([t.sky_share for t in terms])


# ------------------------------------------------------------------------------------------
def toa_reflectance(surface: np.ndarray, terms: list[BandTerms],
                    kernels: list[AdjacencyKernel] | None,
                    valid: np.ndarray | None = None) -> np.ndarray:
    """TOA reflectance (bands, rows, cols) from the surface BRF (bands, rows, cols), traced
    with SKYL = the atmosphere's sky share. ``kernels`` None: no adjacency (rho_e = R)."""
    toa, _ = toa_and_gradients(surface, None, terms, kernels, valid)
    return toa


def toa_and_gradients(surface: np.ndarray, surface_gradients: np.ndarray | None,
                      terms: list[BandTerms], kernels: list[AdjacencyKernel] | None,
                      valid: np.ndarray | None = None):
    """TOA and, when ``surface_gradients`` (bands, k, rows, cols) = dR/dtheta_k are given,
    dTOA/dtheta_k by the chain rule through the coupling and the kernel (exact when theta
    holds over the pixel's environment: uniform OPs, or US-DART's window assumption)."""
    surface = np.asarray(surface, dtype=np.float64)
    toa = np.empty_like(surface)
    gradients = None if surface_gradients is None else np.empty_like(surface_gradients)
    for b, t in enumerate(terms):
        r = surface[b]
        env = r if kernels is None else kernels[b].apply(r, valid)
        scale = t.gas_transmittance * t.down_total
        numerator = t.up_direct * r + t.up_diffuse * env
        denominator = 1.0 - t.spherical_albedo * env
        toa[b] = t.path_reflectance + scale * numerator / denominator
        if gradients is not None:
            dr = surface_gradients[b]
            denv = dr if kernels is None else kernels[b].apply(dr, valid)
            gradients[b] = scale * ((t.up_direct * dr + t.up_diffuse * denv) / denominator
                                    + numerator * t.spherical_albedo * denv / denominator**2)
    return toa, gradients


def surface_from_toa(toa: np.ndarray, terms: list[BandTerms],
                     kernels: list[AdjacencyKernel] | None,
                     valid: np.ndarray | None = None, tolerance: float = 1e-12) -> np.ndarray:
    """The surface-equivalent BRF (bands, rows, cols) whose TOA is ``toa``: the exact
    inverse of ``toa_reflectance``. With Y = (TOA - rho_path) / (T_g T_down) the model reads
    ``e_v R + (t_v + S Y) K R = Y``, linear in R; solved by GMRES per band. Pixels outside
    ``valid`` stay NaN (they enter the environment as the valid mean)."""
    toa = np.asarray(toa, dtype=np.float64)
    mask = np.ones(toa.shape[-2:], bool) if valid is None else np.asarray(valid, bool)
    surface = np.full_like(toa, np.nan)
    for b, t in enumerate(terms):
        y = (toa[b] - t.path_reflectance) / (t.gas_transmittance * t.down_total)
        y = np.where(mask, y, y[mask].mean())
        if kernels is None:
            r = y / (t.up_total + t.spherical_albedo * y)
        else:
            r = _solve_band(y, t, kernels[b], tolerance)
        surface[b] = np.where(mask, r, np.nan)
    return surface


_TOLERANCE = "rtol" if "rtol" in inspect.signature(gmres).parameters else "tol"


def _solve_band(y: np.ndarray, t: BandTerms, kernel: AdjacencyKernel, tolerance: float):
    shape = y.shape
    coupling = t.up_diffuse + t.spherical_albedo * y

    def apply(r_flat):
        r = r_flat.reshape(shape)
        return (t.up_direct * r + coupling * kernel.apply(r)).ravel()

    operator = LinearOperator((y.size, y.size), matvec=apply, dtype=np.float64)
    start = y / (t.up_total + t.spherical_albedo * y)  # the uniform-scene answer
    if np.abs(apply(start.ravel()) - y.ravel()).max() <= tolerance * np.abs(y).max():
        return start  # a uniform scene: GMRES from an exact start divides 0 by 0 (scipy 1.10)
    solution, info = gmres(operator, y.ravel(), x0=start.ravel(), restart=50, maxiter=200,
                           atol=0.0, **{_TOLERANCE: tolerance})
    residual = np.abs(apply(solution) - y.ravel()).max()
    if not np.isfinite(residual) or (info != 0 and residual > 1e-8):
        raise ValueError(f"band {t.band}: the TOA -> surface inversion did not converge "
                         f"(residual {residual:.2g}); is the atmosphere right for this image?")
    return solution.reshape(shape)


def describe_terms(terms: list[BandTerms]) -> list[list]:
    """Rows for a report table: band, path reflectance, T_g, T_down (direct + diffuse),
    T_up (direct + diffuse), S, SKYL."""
    return [[t.band, f"{t.path_reflectance:.4f}", f"{t.gas_transmittance:.4f}",
             f"{t.down_direct:.4f} + {t.down_diffuse:.4f}",
             f"{t.up_direct:.4f} + {t.up_diffuse:.4f}", f"{t.spherical_albedo:.4f}",
             f"{t.sky_share:.4f}"] for t in terms]


TERM_HEADER = ["band", "path reflectance", "gas transmittance", "T down (direct + diffuse)",
               "T up (direct + diffuse)", "spherical albedo", "SKYL (sky share)"]


@dataclass
class CoupledAtmosphere:
    """The atmosphere of every band of an image on its grid: what simulate and unmix need."""

    terms: list[BandTerms]
    kernels: list[AdjacencyKernel] | None  # None: no adjacency (rho_e = R)

    @property
    def skyl(self) -> np.ndarray:
        return sky_shares(self.terms)

    def toa(self, surface: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        return toa_reflectance(surface, self.terms, self.kernels, valid)

    def surface(self, toa: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        return surface_from_toa(toa, self.terms, self.kernels, valid)

    def toa_and_gradients(self, surface, surface_gradients, valid=None):
        return toa_and_gradients(surface, surface_gradients, self.terms, self.kernels, valid)

    def toa_standard_error(self, surface: np.ndarray, stderr: np.ndarray,
                           valid: np.ndarray | None = None) -> np.ndarray:
        """The surface image's Monte Carlo standard error carried to TOA through the pixel's
        own direct path (the environment averages many pixels' noise away)."""
        out = np.empty_like(np.asarray(stderr, dtype=np.float64))
        for b, t in enumerate(self.terms):
            env = surface[b] if self.kernels is None else self.kernels[b].apply(surface[b],
                                                                                  valid)
            out[b] = stderr[b] * t.gas_transmittance * t.down_total * t.up_direct \
                / (1.0 - t.spherical_albedo * env)
        return out


def coupled_atmosphere(sensor: str, bands: list[str], geometry, atmosphere, grid,
                       periodic: bool = True, adjacency: bool = True,
                       cache_dir: str | None = None) -> CoupledAtmosphere:
    """6S per band for ``geometry`` and the adjacency kernels on ``grid`` (PixelGrid)."""
    from .sixs import atmosphere_terms

    terms = atmosphere_terms(sensor, bands, geometry, atmosphere, cache_dir)
    kernels = adjacency_kernels(terms, grid, periodic) if adjacency else None
    return CoupledAtmosphere(terms, kernels)
