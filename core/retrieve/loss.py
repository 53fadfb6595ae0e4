"""The retrieval's unknowns and its image loss, with the exact gradient, on cached traces.

Unknowns
    Per element, zone and band: ``r`` for opaque elements, ``r`` and ``t`` for translucent
    ones (mode ``free``); or per element and zone the PROSPECT parameters (mode
    ``prospect``, translucent elements only); or nothing (mode ``fixed``: the element keeps
    its prior spectrum).

Bounds
    0 <= r, 0 <= t and r + t <= 1. The optimiser works on ``w = r + t`` (the leaf albedo)
    and ``q = r / (r + t)`` (the share reflected), both in [0, 1]: a box, which L-BFGS-B
    handles exactly, and every box point is a physical leaf (r = w q, t = w (1 - q)). The
    albedo, which one view fixes well, is one variable; the split, which it may not, is
    the other. A constraint on the split (a known or bounded r/t per band) is a bound on q.
    Opaque reflectances are boxed in [0, 1]; PROSPECT parameters are scaled to [0, 1] over
    their ranges, which also balances the optimiser's steps between N (~1) and Cm (~0.005).

Loss
    ``L = sum(weight * (R_sim - R_obs)^2) / n`` over all views, valid pixels and bands
    (the mean squared error when unweighted), minus the Monte Carlo variance of R_sim (an
    unbiased estimate of the noise-free squared error), plus ``smoothness * sum((s[b+1] -
    s[b])^2)`` over the free spectra. R_sim and its exact gradient come algebraically from
    each view's cached polynomials: the gradient by one adjoint product ``C^T (weight *
    residual)`` per zone and view, so one loss-and-gradient evaluation costs about two
    image evaluations.

Zones
    A pixel uses its zone's values for every element its paths met (the window-like
    approximation of ``PixelPolynomials.reflectance_per_pixel``). Rows of the coefficient
    matrix are split by zone once, so zones cost nothing extra.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import prospect as prospect_model

FREE, FIXED, PROSPECT = "free", "fixed", "prospect"
MODES = (FREE, FIXED, PROSPECT)
#: A parameter whose largest |dR/dp| over every pixel, band and view is below this is
#: unidentifiable (nothing the sensors saw depends on it).
SENSITIVITY_FLOOR = 1e-6


class RetrievalError(ValueError):
    """Bad retrieval input, with the element, zone or parameter named."""


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
        # bounds of the optimiser's variables u: [0, 1] but where an r/t constraint bounds
        # a leaf's share reflected q = r / (r + t)
        self.u_low = np.zeros(self.size)
        self.u_high = np.ones(self.size)

    def constrain_ratio(self, element: str, low: np.ndarray, high: np.ndarray) -> None:
        """Bound r/t of a free translucent element per band to [low, high] (equal: fixed)."""
        for _, _, _, ri, ti in self.pairs:
            if self.parameters[ri[0]].element == element:
                self.u_low[ti] = low / (1 + low)
                self.u_high[ti] = np.where(np.isinf(high), 1.0, high / (1 + high))

    def pair_of(self, k: int):
        """(r index, t index) arrays of the translucent pair holding parameter k, or None."""
        for _, _, _, ri, ti in self.pairs:
            if k in ri or k in ti:
                return ri, ti
        return None

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

    def _powers(self, x: np.ndarray, lower: int = 0) -> np.ndarray:
        """(V, U, bands): x_v ** max(a_v - lower, 0) for every monomial, from a table of
        integer powers (exponents are small integers: indexing beats float powers)."""
        degree = int(self.exponents.max(initial=0))
        table = np.ones((degree + 1,) + x.T.shape)  # (degree + 1, V, bands)
        for k in range(1, degree + 1):
            table[k] = table[k - 1] * x.T
        v = np.arange(self.exponents.shape[1])
        return table[np.maximum(self.exponents.T - lower, 0), v[:, None], :]

    def monomials(self, x: np.ndarray) -> np.ndarray:
        """x (bands, V) -> (U, bands)."""
        return self._powers(x).prod(axis=0)

    def monomial_derivatives(self, x: np.ndarray) -> np.ndarray:
        """(V, U, bands), exact also at x = 0: a_v x_v^(a_v - 1) times the other factors."""
        n_var = self.exponents.shape[1]
        powers = self._powers(x)
        lowered = self._powers(x, lower=1)
        out = np.zeros((n_var, self.n_monomials, x.shape[0]))
        # products of the factors before and after v
        before = np.ones_like(powers)
        after = np.ones_like(powers)
        for v in range(1, n_var):
            before[v] = before[v - 1] * powers[v - 1]
        for v in range(n_var - 2, -1, -1):
            after[v] = after[v + 1] * powers[v + 1]
        for v in range(n_var):
            a = self.exponents[:, v]
            if a.any():
                out[v] = a[:, None] * lowered[v] * before[v] * after[v]
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

    def pixel_gradients(self, x_zones: np.ndarray):
        """Per zone: the gradient of each pixel's term of the loss (the debiasing term
        included) with respect to that zone's x, (pixels, bands, V): the scores of the
        sandwich covariance."""
        out = []
        b = self.batches
        for z, (pixels, matrix, obs, w) in enumerate(self.parts):
            if matrix is None:
                out.append(None)
                continue
            x = x_zones[z]
            m = self.monomials(x)
            rows = np.asarray(matrix @ np.concatenate([m * (1 - self.skyl), m * self.skyl]))
            rows = rows.reshape(pixels.size, b, -1)
            sim = rows.mean(axis=1)
            spread = rows - sim[:, None, :]
            derivatives = self.monomial_derivatives(x)
            g = np.zeros((pixels.size, x.shape[0], x.shape[1]))
            for v in range(x.shape[1]):
                dm = derivatives[v]
                if not dm.any():
                    continue
                drows = np.asarray(matrix @ np.concatenate([dm * (1 - self.skyl),
                                                            dm * self.skyl]))
                drows = drows.reshape(pixels.size, b, -1)
                dsim = drows.mean(axis=1)
                value = 2 * (sim - obs) * dsim
                if self.debias and b > 1:
                    value -= 2 * (spread * (drows - dsim[:, None, :])).sum(axis=1) / (b * (b - 1))
                g[:, :, v] = w * value
            out.append(g)
        return out


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
    rt_bounds: dict[str, tuple] | None = None,
) -> Problem:
    """Check the inputs and set up the loss for the unknowns of ``modes`` (element name ->
    free | fixed | prospect; absent elements are free) for the ``views`` of one scene.

    ``rt_bounds``: element -> (low, high) r/t per band (scalars or arrays over ``bands``;
    low == high fixes the ratio) for free translucent elements whose split the images
    cannot make (see ``constraints``)."""
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
    for element, (low, high) in (rt_bounds or {}).items():
        if element not in names:
            raise RetrievalError(f"r/t constraint on unknown element '{element}'")
        i = names.index(element)
        if not translucent[i] or mode_list[i] != FREE:
            raise RetrievalError(f"r/t constraint on '{element}': only free translucent "
                                 f"elements have an r/t to constrain")
        low = np.broadcast_to(np.asarray(low, float), (nb,))
        high = np.broadcast_to(np.asarray(high, float), (nb,))
        if (~np.isfinite(low)).any() or (low < 0).any() or (high < low).any():
            raise RetrievalError(f"r/t constraint on '{element}': need 0 <= low <= high "
                                 f"(got {low.tolist()} .. {high.tolist()})")
        layout.constrain_ratio(element, low, high)
    prior_x = np.broadcast_to(prior, (n_zones, nb, nv)).copy()
    # prior values of the unknowns, in physical units
    p0 = np.zeros(layout.size)
    for z, v, index in layout.opaque:
        p0[index] = prior_x[z, :, v]
    for z, vr, vt, ri, ti in layout.pairs:
        p0[ri], p0[ti] = prior_x[z, :, vr], prior_x[z, :, vt]
        # a start outside an r/t constraint: the same albedo, split at the nearest bound
        w = p0[ri] + p0[ti]
        q = np.clip(np.where(w > 0, p0[ri] / np.where(w > 0, w, 1), 0.5),
                    layout.u_low[ti], layout.u_high[ti])
        p0[ri], p0[ti] = w * q, w * (1 - q)
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

