"""3D-Diff-style retrieval on cached traces: scene-wide (or zone-wide) element spectra, or
PROSPECT parameters of leaves, by bounded quasi-Newton minimisation of an image loss.

Unknowns
    Per element, zone and band: ``r`` for opaque elements, ``r`` and ``t`` for translucent
    ones (mode ``free``); or per element and zone the PROSPECT parameters (mode
    ``prospect``, translucent elements only); or nothing (mode ``fixed``: the element keeps
    its prior spectrum).

Bounds
    0 <= r, 0 <= t and r + t <= 1. The optimiser works on ``w = r + t`` and ``q = r / (r +
    t)``, both in [0, 1]: a box, which L-BFGS-B handles exactly, and every box point is a
    physical leaf (r = w q, t = w (1 - q)). The map is smooth; its only flaw is at w = 0
    where q has no effect (a black leaf has no ratio), harmless for real leaves. Opaque
    reflectances are boxed in [0, 1]; PROSPECT parameters are scaled to [0, 1] over their
    ranges, which also balances the optimiser's steps between N (~1) and Cm (~0.005).

Loss
    ``L = sum(weight * (R_sim - R_obs)^2) / n`` over all views, valid pixels and bands
    (the mean squared error when unweighted), plus ``smoothness * sum((s[b+1] - s[b])^2)``
    over the free spectra. R_sim and its exact gradient come algebraically from each view's
    cached polynomials: the gradient by one adjoint product ``C^T (weight * residual)`` per
    zone and view, so one loss-and-gradient evaluation costs about two image evaluations.

Zones
    A pixel uses its zone's values for every element its paths met (the window-like
    approximation of ``PixelPolynomials.reflectance_per_pixel``). Rows of the coefficient
    matrix are split by zone once, so zones cost nothing extra.

Uncertainty
    At the optimum, with J the Jacobian of the residuals with respect to the reported
    parameters (r, t or PROSPECT parameters) and r the residuals, the sandwich
    ``cov = H^-1 (sum_pixels s s^T) H^-1 * n / (n - p)``, ``H = J^T W J``,
    ``s = J_pixel^T W r_pixel``: it holds for noise that differs from pixel to pixel and is
    shared by a pixel's bands, in the image and in the traced model alike (the scores leave
    out the loss's Monte Carlo debiasing term, a second-order change, and the SMOOTHNESS
    penalty, which the standard errors ignore). The correlation
    matrix shows what the images cannot separate. Parameters whose gradient is ~0 in every
    pixel (an element no path meets) are frozen at their prior and reported as
    unidentifiable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from . import prospect as prospect_model

FREE, FIXED, PROSPECT = "free", "fixed", "prospect"
MODES = (FREE, FIXED, PROSPECT)
#: A parameter whose largest |dR/dp| over every pixel, band and view is below this is
#: unidentifiable (nothing the sensors saw depends on it).
SENSITIVITY_FLOOR = 1e-6


class RetrievalError(ValueError):
    """Bad retrieval input, with the element, zone or parameter named."""


class Canceled(Exception):
    pass


@dataclass
class View:
    """One observed image with the trace of its geometry (polynomials on its grid)."""

    polynomials: object  # PixelPolynomials
    image: np.ndarray  # (bands, rows, cols) observed reflectance
    valid: np.ndarray  # (rows, cols) bool
    skyl: np.ndarray  # (bands,)
    zones: np.ndarray | None = None  # int (rows, cols): zone index, -1 = outside every zone
    name: str = "image"


@dataclass
class Parameter:
    element: str
    zone: str
    quantity: str  # "r", "t" or a PROSPECT parameter name
    band: str = ""  # empty for PROSPECT parameters


@dataclass
class RetrievalResult:
    parameters: list[Parameter]
    values: np.ndarray  # (P,) retrieved, in physical units
    prior: np.ndarray  # (P,)
    std: np.ndarray  # (P,) NaN where not estimable
    status: list[str]  # per parameter: ok | at bound | unidentifiable
    correlation: np.ndarray  # (P, P), NaN rows for unidentifiable parameters
    variables: np.ndarray  # (zones, bands, V) retrieved r and t of every element
    prior_variables: np.ndarray  # (zones, bands, V)
    variables_std: np.ndarray  # (zones, bands, V): standard error of r and t (NaN: none)
    simulated: list[np.ndarray]  # per view (bands, rows, cols), NaN outside its pixels
    history: list[float]  # loss after each iteration (history[0]: at the prior)
    rmse: float  # final image RMSE (unweighted)
    evaluations: int
    iterations: int
    message: str
    seconds: float
    zone_names: list[str]
    bands: list[str]
    element_names: list[str]
    modes: list[str]
    variable_names: list[str]
    warnings: list[str] = field(default_factory=list)
    trace_seconds: float = 0.0

    def rows(self) -> list[dict]:
        """Long table: one row per reported value (spectra of every element and zone,
        PROSPECT parameters), with prior, standard error and status."""
        out = []
        for k, p in enumerate(self.parameters):
            out.append(dict(element=p.element, zone=p.zone, mode=self._mode(p.element),
                            quantity=p.quantity, band=p.band, value=self.values[k],
                            std=self.std[k], prior=self.prior[k], status=self.status[k]))
        # the spectra of PROSPECT and fixed elements, derived (not themselves unknowns)
        for z, zone in enumerate(self.zone_names):
            for v, name in enumerate(self.variable_names):
                element, quantity = name.rsplit(":", 1)
                mode = self._mode(element)
                if mode == FREE:
                    continue
                for b, band in enumerate(self.bands):
                    out.append(dict(element=element, zone=zone, mode=mode,
                                    quantity=quantity, band=band,
                                    value=self.variables[z, b, v],
                                    std=self.variables_std[z, b, v],
                                    prior=self.prior_variables[z, b, v],
                                    status="derived" if mode == PROSPECT else "fixed"))
        return out

    def _mode(self, element: str) -> str:
        return self.modes[self.element_names.index(element)]


class Layout:
    """Where every unknown sits: physical parameters p, optimiser variables u in [0, 1]."""

    def __init__(self, element_names, translucent, var_r, var_t, modes, bands, zone_names,
                 prospect_free, prospect_start, leaf_model):
        self.bands = list(bands)
        self.zone_names = list(zone_names)
        self.parameters: list[Parameter] = []
        self.opaque = []  # (zone, var, p index (bands,))
        self.pairs = []  # (zone, var_r, var_t, r index (bands,), t index (bands,))
        self.leaves = []  # (zone, var_r, var_t, p index (k,), element)
        self.prospect_free = tuple(prospect_free)
        self.prospect_start = dict(prospect_start)
        self.leaf_model = leaf_model
        for z, zone in enumerate(self.zone_names):
            for i, name in enumerate(element_names):
                mode = modes[i]
                if mode == FREE and not translucent[i]:
                    self.opaque.append((z, var_r[i], self._add(name, zone, "r")))
                elif mode == FREE:
                    r = self._add(name, zone, "r")
                    t = self._add(name, zone, "t")
                    self.pairs.append((z, var_r[i], var_t[i], r, t))
                elif mode == PROSPECT:
                    index = np.array([self._add_one(name, zone, q, "")
                                      for q in self.prospect_free])
                    self.leaves.append((z, var_r[i], var_t[i], index, name))
        self.size = len(self.parameters)
        self.low = np.zeros(self.size)
        self.high = np.ones(self.size)
        for _, _, _, index, _ in self.leaves:
            for k, q in zip(index, self.prospect_free, strict=True):
                self.low[k], self.high[k] = prospect_model.PARAMETERS[q][2:]

    def _add_one(self, element, zone, quantity, band) -> int:
        self.parameters.append(Parameter(element, zone, quantity, band))
        return len(self.parameters) - 1

    def _add(self, element, zone, quantity) -> np.ndarray:
        return np.array([self._add_one(element, zone, quantity, b) for b in self.bands])

    # p <-> u ---------------------------------------------------------------------------
    def u_from_p(self, p: np.ndarray) -> np.ndarray:
        u = np.array(p, dtype=float)
        for _, _, _, ri, ti in self.pairs:
            w = p[ri] + p[ti]
            u[ri] = np.clip(w, 0, 1)
            u[ti] = np.where(w > 0, p[ri] / np.where(w > 0, w, 1), 0.5)
        for _, _, _, index, _ in self.leaves:
            u[index] = (p[index] - self.low[index]) / (self.high[index] - self.low[index])
        return np.clip(u, 0, 1)

    def p_from_u(self, u: np.ndarray) -> np.ndarray:
        p = np.array(u, dtype=float)
        for _, _, _, ri, ti in self.pairs:
            w, q = u[ri], u[ti]
            p[ri], p[ti] = w * q, w * (1 - q)
        for _, _, _, index, _ in self.leaves:
            p[index] = self.low[index] + u[index] * (self.high[index] - self.low[index])
        return p

    def grad_u(self, u: np.ndarray, grad_p: np.ndarray) -> np.ndarray:
        g = np.array(grad_p, dtype=float)
        for _, _, _, ri, ti in self.pairs:
            w, q = u[ri], u[ti]
            g[ri] = grad_p[ri] * q + grad_p[ti] * (1 - q)
            g[ti] = (grad_p[ri] - grad_p[ti]) * w
        for _, _, _, index, _ in self.leaves:
            g[index] = grad_p[index] * (self.high[index] - self.low[index])
        return g

    # p -> x ----------------------------------------------------------------------------
    def variables(self, p: np.ndarray, prior_x: np.ndarray, derivatives: bool = False):
        """x (zones, bands, V) and, with ``derivatives``, the PROSPECT leaves' band
        derivatives [(dr, dt) (bands, k)] in ``self.leaves`` order."""
        x = np.array(prior_x, dtype=float)
        for z, v, index in self.opaque:
            x[z, :, v] = p[index]
        for z, vr, vt, ri, ti in self.pairs:
            x[z, :, vr], x[z, :, vt] = p[ri], p[ti]
        chains = []
        for z, vr, vt, index, _ in self.leaves:
            values = dict(self.prospect_start)
            values.update(zip(self.prospect_free, p[index], strict=True))
            if derivatives:
                r, t, dr, dt = self.leaf_model.jacobian(values, self.prospect_free)
                chains.append((dr, dt))
            else:
                r, t = self.leaf_model.spectra(values)
            x[z, :, vr], x[z, :, vt] = r, t
        return (x, chains) if derivatives else x

    def grad_p(self, grad_x: np.ndarray, chains) -> np.ndarray:
        """dL/dx (zones, bands, V) -> dL/dp."""
        g = np.zeros(self.size)
        for z, v, index in self.opaque:
            g[index] = grad_x[z, :, v]
        for z, vr, vt, ri, ti in self.pairs:
            g[ri], g[ti] = grad_x[z, :, vr], grad_x[z, :, vt]
        for (z, vr, vt, index, _), (dr, dt) in zip(self.leaves, chains, strict=True):
            g[index] = grad_x[z, :, vr] @ dr + grad_x[z, :, vt] @ dt
        return g

    def jacobian_x(self, n_variables: int, chains) -> np.ndarray:
        """d x / d p as a dense ((zones * bands * V), P) matrix."""
        nz, nb = len(self.zone_names), len(self.bands)
        t = np.zeros((nz, nb, n_variables, self.size))
        bands = np.arange(nb)
        for z, v, index in self.opaque:
            t[z, bands, v, index] = 1.0
        for z, vr, vt, ri, ti in self.pairs:
            t[z, bands, vr, ri] = 1.0
            t[z, bands, vt, ti] = 1.0
        for (z, vr, vt, index, _), (dr, dt) in zip(self.leaves, chains, strict=True):
            t[z, :, vr, index] = dr.T
            t[z, :, vt, index] = dt.T
        return t.reshape(nz * nb * n_variables, self.size)

    def smooth_pairs(self) -> list[np.ndarray]:
        """Index arrays (bands,) of every free spectrum, for the smoothness penalty."""
        out = [index for _, _, index in self.opaque]
        for _, _, _, ri, ti in self.pairs:
            out += [ri, ti]
        return out


class _ViewData:
    """A view's coefficient rows split by zone, with the observations and weights."""

    def __init__(self, view: View, n_zones: int, bands: int, weights: np.ndarray | None,
                 debias: bool = True):
        poly = view.polynomials
        self.debias = debias
        self.view = view
        self.batches = poly.batches
        self.exponents = poly.exponents.astype(np.int64)
        self.n_monomials = poly.n_monomials
        self.skyl = np.broadcast_to(np.asarray(view.skyl, float), (bands,)).copy()
        zones = np.zeros(view.valid.shape, np.int64) if view.zones is None else view.zones
        use = view.valid & (zones >= 0)
        flat_zone = zones.ravel()
        self.parts = []
        coefficients = poly.coefficients.tocsr()
        for z in range(n_zones):
            pixels = np.flatnonzero(use.ravel() & (flat_zone == z))
            rows = (pixels[:, None] * self.batches + np.arange(self.batches)).ravel()
            matrix = coefficients[rows] if pixels.size else None
            obs = view.image.reshape(bands, -1)[:, pixels].T  # (n, bands)
            w = (np.ones_like(obs) if weights is None
                 else weights.reshape(bands, -1)[:, pixels].T)
            self.parts.append((pixels, matrix, obs, w))
        self.count = int(use.sum()) * bands

    def monomials(self, x: np.ndarray) -> np.ndarray:
        """x (bands, V) -> (U, bands)."""
        values = np.ones((self.n_monomials, x.shape[0]))
        for v in range(self.exponents.shape[1]):
            a = self.exponents[:, v]
            if a.any():
                values *= x[None, :, v] ** a[:, None]
        return values

    def monomial_derivatives(self, x: np.ndarray) -> np.ndarray:
        """(V, U, bands), exact also at x = 0."""
        n_var = self.exponents.shape[1]
        out = np.zeros((n_var, self.n_monomials, x.shape[0]))
        for v in range(n_var):
            lowered = self.exponents.copy()
            a = lowered[:, v].copy()
            if not a.any():
                continue
            lowered[:, v] = np.maximum(a - 1, 0)
            values = np.ones((self.n_monomials, x.shape[0]))
            for w in range(n_var):
                if lowered[:, w].any():
                    values *= x[None, :, w] ** lowered[:, w][:, None]
            out[v] = a[:, None] * values
        return out

    def evaluate(self, x_zones: np.ndarray, gradient: bool):
        """Weighted squared error, its gradient with respect to x (zones, bands, V), and
        the simulated pixels per zone."""
        loss = 0.0
        grad = np.zeros_like(x_zones)
        simulated = []
        for z, (pixels, matrix, obs, w) in enumerate(self.parts):
            if matrix is None:
                simulated.append(np.zeros((0, obs.shape[1])))
                continue
            x = x_zones[z]
            m = self.monomials(x)
            columns = np.concatenate([m * (1 - self.skyl), m * self.skyl])
            rows = np.asarray(matrix @ columns).reshape(pixels.size, self.batches, -1)
            sim = rows.mean(axis=1)
            simulated.append(sim)
            residual = sim - obs
            b = self.batches
            if self.debias and b > 1:
                # minus the Monte Carlo variance of the mean (batch spread / b): an unbiased
                # estimate of the noise-free squared error (see ``retrieve``)
                spread = rows - sim[:, None, :]
                variance = (spread**2).sum(axis=1) / (b * (b - 1))
                loss += float((w * (residual**2 - variance)).sum())
            else:
                loss += float((w * residual**2).sum())
            if gradient:
                adjoint = (2 * w * residual / b)[:, None, :]
                if self.debias and b > 1:
                    adjoint = adjoint - 2 * w[:, None, :] * spread / (b * (b - 1))
                else:
                    adjoint = np.repeat(adjoint, b, axis=1)
                adjoint = adjoint.reshape(pixels.size * b, -1)
                back = np.asarray(matrix.T @ adjoint)  # (2U, bands)
                u = self.n_monomials
                per_monomial = back[:u] * (1 - self.skyl) + back[u:] * self.skyl
                grad[z] = np.einsum("vub,ub->bv", self.monomial_derivatives(x), per_monomial)
        return loss, grad, simulated


def default_prior(elements, bands, var_r, var_t, n_variables, opaque_start=0.2,
                  albedo_start=0.5, ratio_start=1.0) -> np.ndarray:
    """(bands, V): the element table's OPs where given (albedo split by rt_ratio), else
    ``opaque_start`` and a leaf of albedo ``albedo_start`` with r/t = ``ratio_start``."""
    x = np.zeros((len(bands), n_variables))
    for i, element in enumerate(elements):
        for b, band in enumerate(bands):
            op = element.op.get(band)
            if element.translucent:
                ratio = element.ratio(band) if element.rt_ratio else ratio_start
                w = albedo_start if op is None else op
                x[b, var_r[i]] = ratio * w / (1 + ratio)
                x[b, var_t[i]] = w / (1 + ratio)
            else:
                x[b, var_r[i]] = opaque_start if op is None else op
    return x


def prepare(
    scene,
    views: list[View],
    bands: list[str],
    modes: dict[str, str] | None = None,
    prior: np.ndarray | None = None,
    zone_names: list[str] | None = None,
    prospect_free: tuple[str, ...] = prospect_model.DEFAULT_FREE,
    prospect_start: dict[str, float] | None = None,
    weighting: str = "none",
    smoothness: float = 0.0,
    debias: bool = True,
) -> Problem:
    """Check the inputs and set up the loss for the unknowns of ``modes`` (element name ->
    free | fixed | prospect; absent elements are free) for the ``views`` of one scene."""
    elements = scene.elements.elements
    names = [e.name for e in elements]
    modes = dict(modes or {})
    unknown = sorted(set(modes) - set(names))
    if unknown:
        raise RetrievalError(f"unknown element(s) {', '.join(unknown)} (the element table "
                             f"has {', '.join(names)})")
    mode_list = []
    for element in elements:
        mode = modes.get(element.name, FREE).strip().lower()
        if mode not in MODES:
            raise RetrievalError(f"element '{element.name}': mode '{mode}' is not one of "
                                 f"{', '.join(MODES)}")
        if mode == PROSPECT and not element.translucent:
            raise RetrievalError(f"element '{element.name}' is opaque: only translucent "
                                 f"elements (leaves) can be PROSPECT leaves")
        mode_list.append(mode)
    if all(m == FIXED for m in mode_list):
        raise RetrievalError("every element is fixed: nothing to retrieve")
    if not views:
        raise RetrievalError("no image to retrieve from")
    bands = list(bands)
    nb, nv = len(bands), scene.n_variables
    for view in views:
        if view.image.shape[0] != nb:
            raise RetrievalError(f"{view.name} has {view.image.shape[0]} bands, expected {nb}")
        if view.polynomials.n_variables != nv:
            raise RetrievalError(f"{view.name}: its trace belongs to another scene")
    zone_names = list(zone_names) if zone_names else ["all"]
    n_zones = len(zone_names)
    for view in views:
        if view.zones is not None and view.zones.max() >= n_zones:
            raise RetrievalError(f"{view.name}: zone index {view.zones.max()} without a name")
    pixels_per_zone = np.zeros(n_zones, np.int64)
    for view in views:
        zones = np.zeros(view.valid.shape, np.int64) if view.zones is None else view.zones
        use = view.valid & (zones >= 0)
        pixels_per_zone += np.bincount(zones[use], minlength=n_zones)
    empty = [zone_names[z] for z in np.flatnonzero(pixels_per_zone == 0)]
    if empty:
        raise RetrievalError(f"zone(s) without any valid image pixel: {', '.join(empty)}")
    if prior is None:
        prior = default_prior(elements, bands, scene.var_r, scene.var_t, nv)
    prior = np.asarray(prior, dtype=float)
    if prior.shape != (nb, nv):
        raise RetrievalError(f"prior must be (bands, variables) = ({nb}, {nv})")
    translucent = np.array([e.translucent for e in elements])
    bad = ~np.isfinite(prior) | (prior < 0) | (prior > 1)
    albedo = prior[:, scene.var_r[translucent]] + prior[:, scene.var_t[translucent]]
    if bad.any() or (albedo > 1 + 1e-12).any():
        raise RetrievalError("prior optical properties must satisfy 0 <= r, t and r + t <= 1")
    leaf_model = None
    prospect_start = prospect_model.check_values(prospect_start or {}, "PROSPECT start")
    if PROSPECT in mode_list:
        leaf_model = prospect_model.LeafModel(bands)
        prospect_free = tuple(prospect_model.canonical(q) for q in prospect_free)
        if not prospect_free:
            raise RetrievalError("no PROSPECT parameter to retrieve")
    layout = Layout(names, translucent, scene.var_r, scene.var_t, mode_list, bands, zone_names,
                    prospect_free, prospect_start, leaf_model)
    prior_x = np.broadcast_to(prior, (n_zones, nb, nv)).copy()
    # prior values of the unknowns, in physical units
    p0 = np.zeros(layout.size)
    for z, v, index in layout.opaque:
        p0[index] = prior_x[z, :, v]
    for z, vr, vt, ri, ti in layout.pairs:
        p0[ri], p0[ti] = prior_x[z, :, vr], prior_x[z, :, vt]
    for _, _, _, index, _ in layout.leaves:
        p0[index] = [prospect_start[q] for q in layout.prospect_free]
    prior_full = layout.variables(p0, prior_x)  # PROSPECT leaves at their start values

    weights = [None] * len(views)
    if weighting == "stderr":
        weights = []
        for view in views:
            _, error = view.polynomials.reflectance(prior, view.skyl)
            sigma2 = np.nan_to_num(error, nan=0.0) ** 2 + 1e-3**2
            w = 1.0 / sigma2
            weights.append(w / w[:, view.valid].mean())
    elif weighting != "none":
        raise RetrievalError(f"weighting '{weighting}' is not none or stderr")
    data = [_ViewData(view, n_zones, nb, w, debias)
            for view, w in zip(views, weights, strict=True)]
    n_obs = sum(d.count for d in data)
    smooth = layout.smooth_pairs() if smoothness > 0 else []

    def objective(p, gradient=True):
        if gradient and layout.leaves:
            x, chains = layout.variables(p, prior_x, derivatives=True)
        else:
            x, chains = layout.variables(p, prior_x), []
        loss, grad_x = 0.0, np.zeros_like(x)
        for d in data:
            value, g, _ = d.evaluate(x, gradient)
            loss += value
            grad_x += g
        loss /= n_obs
        grad_p = layout.grad_p(grad_x / n_obs, chains) if gradient else None
        for index in smooth:
            diff = np.diff(p[index])
            loss += smoothness * float((diff**2).sum())
            if gradient:
                grad_p[index[:-1]] -= 2 * smoothness * diff
                grad_p[index[1:]] += 2 * smoothness * diff
        return loss, grad_p

    return Problem(layout=layout, data=data, prior_x=prior_x, p0=p0, prior_full=prior_full,
                   n_obs=n_obs, objective=objective, zone_names=zone_names, bands=bands,
                   names=names, modes=mode_list, variable_names=scene.variable_names)


@dataclass
class Problem:
    """A prepared retrieval: ``objective(p) -> (loss, dloss/dp)`` over physical parameters."""

    layout: Layout
    data: list
    prior_x: np.ndarray
    p0: np.ndarray
    prior_full: np.ndarray
    n_obs: int
    objective: Callable
    zone_names: list[str]
    bands: list[str]
    names: list[str]
    modes: list[str]
    variable_names: list[str]


def retrieve(
    scene,
    views: list[View],
    bands: list[str],
    max_iterations: int = 300,
    progress: Callable[[float, str], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    **options,
) -> RetrievalResult:
    """Minimise the image loss (see ``prepare`` for ``options``) with L-BFGS-B."""
    start_time = time.perf_counter()
    problem = prepare(scene, views, bands, **options)
    layout, data, prior_x, p0 = problem.layout, problem.data, problem.prior_x, problem.p0
    prior_full, n_obs, objective = problem.prior_full, problem.n_obs, problem.objective
    zone_names, names, mode_list = problem.zone_names, problem.names, problem.modes
    bands = problem.bands
    nb, nv, n_zones = len(bands), scene.n_variables, len(zone_names)

    # identifiability at the prior: largest |dR/dp| anywhere
    prior_chains = layout.variables(p0, prior_x, derivatives=True)[1] if layout.leaves else []
    fisher0, sensitivity = _fisher(layout, data, prior_full, prior_chains)
    frozen = sensitivity < SENSITIVITY_FLOOR
    # a translucent pair is frozen only as a whole (r and t mix in w and q)
    for _, _, _, ri, ti in layout.pairs:
        both = frozen[ri] & frozen[ti]
        frozen[ri], frozen[ti] = both, both
    u0 = layout.u_from_p(p0)
    # diagonal preconditioning: optimise s = D u with D^2 the diagonal of the Gauss-Newton
    # Hessian in u at the prior, so that every variable moves the loss alike (leaves that
    # fill 5 % of the image and the soil that fills half of it converge together)
    gauss_newton = np.array([layout.grad_u(u0, row) for row in fisher0])
    gauss_newton = np.array([layout.grad_u(u0, column) for column in gauss_newton.T])
    diagonal = np.sqrt(np.clip(np.diag(gauss_newton) / n_obs, 0, None))
    scale_u = np.where(diagonal > 0, diagonal, 1.0) / max(diagonal.max(), 1e-300)
    scale_u = np.maximum(scale_u, 1e-6)
    bounds = [(u0[k] * scale_u[k],) * 2 if frozen[k] else (0.0, scale_u[k])
              for k in range(layout.size)]

    loss0 = objective(p0, gradient=False)[0]
    scale = 1.0 / loss0 if loss0 > 0 else 1.0
    history = [loss0]
    counter = {"evaluations": 0}

    def fun(s):
        if is_canceled is not None and is_canceled():
            raise Canceled()
        counter["evaluations"] += 1
        u = s / scale_u
        p = layout.p_from_u(u)
        loss, grad_p = objective(p)
        return loss * scale, layout.grad_u(u, grad_p) * scale / scale_u

    def callback(s):
        history.append(objective(layout.p_from_u(s / scale_u), gradient=False)[0])
        if progress is not None:
            progress(min(len(history) / max_iterations, 1.0),
                     f"iteration {len(history) - 1}: loss {history[-1]:.3g}")

    solution = scipy.optimize.minimize(
        fun, u0 * scale_u, jac=True, method="L-BFGS-B", bounds=bounds, callback=callback,
        options={"maxiter": max_iterations, "ftol": 1e-14, "gtol": 1e-12, "maxcor": 30,
                 "maxls": 40},
    )
    solution.x = np.clip(solution.x / scale_u, 0, 1)
    p = layout.p_from_u(solution.x)
    x, chains = layout.variables(p, prior_x, derivatives=True)
    simulated, squared, n_sse = [], 0.0, 0
    for d in data:
        _, _, per_zone = d.evaluate(x, gradient=False)
        image = np.full(d.view.image.shape, np.nan)
        flat = image.reshape(nb, -1)
        for (pixels, _, obs, _), sim in zip(d.parts, per_zone, strict=True):
            flat[:, pixels] = sim.T
            squared += float(((sim - obs) ** 2).sum())
            n_sse += sim.size
        simulated.append(image)
    # uncertainty from the Jacobian and the residuals at the optimum (sandwich form)
    fisher, sensitivity = _fisher(layout, data, x, chains)
    unidentifiable = sensitivity < SENSITIVITY_FLOOR
    dof = max(n_obs - int((~unidentifiable).sum()), 1)
    meat = _score_outer(layout, data, x, chains) * n_obs / dof
    keep = np.flatnonzero(~unidentifiable)
    cov = np.full((layout.size, layout.size), np.nan)
    if keep.size:
        bread = np.linalg.pinv(fisher[np.ix_(keep, keep)], rcond=1e-12, hermitian=True)
        cov[np.ix_(keep, keep)] = bread @ meat[np.ix_(keep, keep)] @ bread
    std = np.sqrt(np.clip(np.diag(cov), 0, None))
    std[unidentifiable] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = cov / np.outer(std, std)
    status = []
    u = solution.x
    for k in range(layout.size):
        if unidentifiable[k]:
            status.append("unidentifiable")
        elif (u[k] <= 1e-9 or u[k] >= 1 - 1e-9) and not _pair_ratio(layout, k):
            status.append("at bound")
        else:
            status.append("ok")
    values = p.copy()
    values[unidentifiable] = np.nan
    warnings = []
    for label in sorted({f"{layout.parameters[k].element} ({layout.parameters[k].zone})"
                         for k in np.flatnonzero(unidentifiable)}):
        warnings.append(f"{label}: no pixel depends on it (gradients ~0 everywhere): "
                        f"unidentifiable, reported as NaN")
    # standard errors of every element's r and t (PROSPECT leaves by the chain rule)
    jx = layout.jacobian_x(nv, chains)
    cov0 = np.nan_to_num(cov)
    x_var = np.einsum("ip,pq,iq->i", jx, cov0, jx).reshape(n_zones, nb, nv)
    x_std = np.sqrt(np.clip(x_var, 0, None))
    touched = np.abs(jx).sum(axis=1).reshape(n_zones, nb, nv) > 0
    x_std[~touched] = np.nan
    for k in np.flatnonzero(unidentifiable):
        x_std[np.abs(jx[:, k]).reshape(n_zones, nb, nv) > 0] = np.nan
    return RetrievalResult(
        parameters=layout.parameters, values=values, prior=p0, std=std, status=status,
        correlation=correlation, variables=x, prior_variables=prior_full,
        variables_std=x_std, simulated=simulated, history=history,
        rmse=float(np.sqrt(squared / max(n_sse, 1))), evaluations=counter["evaluations"],
        iterations=int(solution.nit), message=str(solution.message),
        seconds=time.perf_counter() - start_time, zone_names=zone_names, bands=bands,
        element_names=names, modes=mode_list, variable_names=scene.variable_names,
        warnings=warnings,
    )


def _pair_ratio(layout: Layout, k: int) -> bool:
    """True when k is the q of a translucent pair (its bounds are not physical bounds)."""
    return any(k in ti for _, _, _, _, ti in layout.pairs)


def _jacobians(data, x):
    """Per view and zone: dR/dx for the zone's pixels, (bands, n, V), and the weights."""
    for d in data:
        for z, (pixels, _, _, w) in enumerate(d.parts):
            if not pixels.size:
                continue
            g = d.view.polynomials.gradients(x[z], d.skyl)  # (bands, V, rows, cols)
            g = g.reshape(g.shape[0], g.shape[1], -1)[:, :, pixels].transpose(0, 2, 1)
            yield z, g, w.T


def _score_outer(layout: Layout, data, x, chains) -> np.ndarray:
    """Sum over pixels of s s^T with s = J_pixel^T W r_pixel (P,): the middle of the
    sandwich covariance. Pixel noise differs a lot between pixels (crowns are noisier than
    soil, in the image and in the traced model alike) and is shared by a pixel's bands (one
    set of paths serves them all); s^2 (J^T W J)^-1 assumes neither and was 1-4x too small
    for leaves."""
    nz, nb, nv = x.shape
    t = layout.jacobian_x(nv, chains).reshape(nz, nb, nv, -1)
    meat = np.zeros((t.shape[-1], t.shape[-1]))
    for d in data:
        _, _, per_zone = d.evaluate(x, gradient=False)
        for z, ((pixels, _, obs, w), sim) in enumerate(zip(d.parts, per_zone, strict=True)):
            if not pixels.size:
                continue
            g = d.view.polynomials.gradients(x[z], d.skyl).reshape(nb, nv, -1)[:, :, pixels]
            scores = np.einsum("bvn,nb,bvp->np", g, w * (sim - obs), t[z])
            meat += scores.T @ scores
    return meat


def _fisher(layout: Layout, data, x, chains):
    """J^T W J with respect to p (P, P), and each parameter's largest |dR/dp|."""
    nz, nb, nv = x.shape
    fisher_x = np.zeros((nz, nb, nv, nz, nb, nv))
    peak_x = np.zeros((nz, nb, nv))
    for z, g, w in _jacobians(data, x):
        for b in range(nb):
            fisher_x[z, b, :, z, b, :] += (g[b] * w[b][:, None]).T @ g[b]
            peak_x[z, b] = np.maximum(peak_x[z, b], np.abs(g[b]).max(axis=0))
    t = layout.jacobian_x(nv, chains)
    f = fisher_x.reshape(nz * nb * nv, -1)
    peak = np.abs(t).T @ peak_x.ravel()
    return t.T @ f @ t, peak
