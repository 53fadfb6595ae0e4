"""How well the images fix each retrieved quantity: sandwich covariance, profile-likelihood
95 % intervals, and a status per quantity that never calls a weak estimate "ok".

Covariance
    ``cov = H^-1 (sum_pixels s s^T) H^-1 * n / (n - p)`` with ``H`` the Hessian of the loss
    actually minimised (forward differences of its exact gradient) and ``s`` each pixel's
    gradient of its own term of that loss, the Monte Carlo debiasing term included. The
    scores hold whatever noise differs from pixel to pixel and is shared by a pixel's
    bands, in the image and in the traced model alike. Leaving the debiasing term out of
    ``s`` and ``H`` (Gauss-Newton ``J^T W J``) made leaf and wall errors 2-4 standard
    errors on one nadir view of crowns over buildings: that term's gradient moves the
    optimum by as much as the residuals do where the image barely constrains a direction.
    N pixels give ``sum s s^T`` a rank <= N: with few pixels per unknown a model-based
    middle term (``model_middle_term``: the trace's own Monte Carlo noise per pixel plus a
    remainder shared by every pixel) takes the weight min(1, unknowns / N)
    (``middle_term``).

Intervals
    Per quantity ``theta = a . p`` (a reflectance, transmittance, leaf albedo r + t or a
    PROSPECT parameter) the profile ``L_p(c) = min L subject to theta = c`` is found by
    penalised re-optimisation (any minimiser of ``L + lambda (theta - c)^2`` is a point of
    the profile, at its own theta). Its statistic ``Z^2(c) = 2 (L_p(c) - L_min) (a^T H^-1
    a) / var_sandwich(theta)`` is the likelihood-ratio statistic calibrated by the sandwich:
    ``(c - theta_hat)^2 / var`` for a linear model, but it follows the loss where it bends
    and stops at bounds. The 95 % interval is ``Z^2 <= 3.84``; an end that reaches a
    physical bound is that bound (one-sided when the estimate sits on it).

Status
    ``unidentifiable`` (no pixel depends on it), ``at bound`` (estimate on a physical
    bound: 0, 1 or r + t = 1; one-sided interval), ``weakly identified`` (95 % interval
    wider than ``WEAK_WIDTH``, with the quantities it trades off with), ``constrained``
    (r or t of a leaf whose r/t is fixed by a constraint), else ``ok``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .loss import Layout, Problem

CHI2_95 = 3.841458820694124  # 95 % quantile of chi-square with one degree of freedom
#: A reflectance-like quantity whose 95 % interval is wider than this (reflectance units)
#: is weakly identified; a PROSPECT parameter when wider than this share of its range.
WEAK_WIDTH = 0.04
#: |correlation| from which another quantity is named as a trade-off partner.
TRADE_CORRELATION = 0.5


@dataclass
class Quantity:
    """A reported quantity, linear in the parameters: value = a . p."""

    element: str
    zone: str
    quantity: str  # r, t, albedo or a PROSPECT parameter
    band: str
    a: np.ndarray  # (P,)
    low: float  # physical bounds
    high: float
    reflectance: bool = True  # reflectance units (else a PROSPECT parameter)

    @property
    def label(self) -> str:
        band = f":{self.band}" if self.band else ""
        return f"{self.element}/{self.zone}:{self.quantity}{band}"


def quantities(layout: Layout) -> list[Quantity]:
    """Every parameter, then the albedo r + t of every free leaf and band."""
    out = []
    for k, p in enumerate(layout.parameters):
        a = np.zeros(layout.size)
        a[k] = 1.0
        prospect = not p.band
        out.append(Quantity(p.element, p.zone, p.quantity, p.band, a,
                            layout.low[k] if prospect else 0.0,
                            layout.high[k] if prospect else 1.0, not prospect))
    for _, _, _, ri, ti in layout.pairs:
        for r, t in zip(ri, ti, strict=True):
            a = np.zeros(layout.size)
            a[[r, t]] = 1.0
            p = layout.parameters[r]
            out.append(Quantity(p.element, p.zone, "albedo", p.band, a, 0.0, 1.0))
    return out


# --- sandwich covariance ------------------------------------------------------------------
def _jacobians(data, x):
    """Per view and zone: dR/dx for the zone's pixels, (bands, n, V), and the weights."""
    for d in data:
        for z, (pixels, _, _, w) in enumerate(d.parts):
            if not pixels.size:
                continue
            g = d.view.polynomials.gradients(x[z], d.skyl)  # (bands, V, rows, cols)
            g = g.reshape(g.shape[0], g.shape[1], -1)[:, :, pixels].transpose(0, 2, 1)
            yield z, g, w.T


def fisher(layout: Layout, data, x, chains):
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


def score_outer(layout: Layout, data, x, chains, n_obs: int) -> np.ndarray:
    """Sum over pixels of s s^T, s the pixel's gradient of its term of the loss (P,)."""
    nz, nb, nv = x.shape
    t = layout.jacobian_x(nv, chains).reshape(nz, nb * nv, -1)
    meat = np.zeros((layout.size, layout.size))
    for d in data:
        for z, g in enumerate(d.pixel_gradients(x)):
            if g is None:
                continue
            scores = g.reshape(g.shape[0], -1) @ t[z] / n_obs  # (pixels, P)
            meat += scores.T @ scores
    return meat


def model_middle_term(layout: Layout, data, x, chains, n_obs: int,
                      n_free: int) -> np.ndarray:
    """The sandwich's middle term (P, P) from a noise model, not from the scores' own
    spread. Each pixel's noise (bands x bands, reflectance units)
    is the traced model's Monte Carlo covariance there, known from its batch spread, plus a
    remainder the same for every pixel (the image's noise, model error): the pooled
    residual covariance, times ``n_obs / (n_obs - n_free)`` for what the fit absorbed,
    minus the mean Monte Carlo part (clipped to be a covariance). Sum over pixels of
    D Sigma D^T, D the pixel's score per unit of residual (2 w dR/dx / n_obs): full rank
    with fewer pixels than unknowns, where the scores' own outer products cannot be. The
    debiasing term's share of the scores is left out (with 16 batches, adding its outer
    products moved the whitened errors of the virtual forest at 2.5 and 10 m by <= 0.02)."""
    nz, nb, nv = x.shape
    t = layout.jacobian_x(nv, chains).reshape(nz, nb * nv, -1)
    monte_carlo = np.zeros((nz, nb * nv, nb * nv))  # sum of D Sigma_model D^T per zone
    shared = np.zeros((nz, nb, nb, nv, nv))  # sum of D_b D_c^T per zone: for the remainder
    residual = np.zeros((nb, nb))  # sum of e e^T
    model = np.zeros((nb, nb))  # sum of Sigma_model
    pixels_total = 0
    for d in data:
        b = d.batches
        for z, (pixels, matrix, obs, w) in enumerate(d.parts):
            if matrix is None:
                continue
            m = d.monomials(x[z])
            rows = np.asarray(matrix @ np.concatenate([m * (1 - d.skyl), m * d.skyl]))
            rows = rows.reshape(pixels.size, b, nb)
            sim = rows.mean(axis=1)
            g = d.view.polynomials.gradients(x[z], d.skyl)  # (bands, V, rows, cols)
            g = g.reshape(nb, nv, -1)[:, :, pixels].transpose(2, 0, 1)  # (n, bands, V)
            score = 2 * w[:, :, None] * g / n_obs  # D per pixel: (n, bands, V)
            residual += (sim - obs).T @ (sim - obs)
            pixels_total += pixels.size
            shared[z] += np.einsum("nbv,ncw->bcvw", score, score)
            if b > 1:
                spread = (rows - sim[:, None, :]) / np.sqrt(b * (b - 1))  # (n, b, bands)
                model += np.einsum("nkb,nkc->bc", spread, spread)
                for start in range(0, pixels.size, 4096):  # (pixels * b, bands * V) blocks
                    chunk = slice(start, start + 4096)
                    scaled = spread[chunk, :, :, None] * score[chunk, None]
                    scaled = scaled.reshape(-1, nb * nv)
                    monte_carlo[z] += scaled.T @ scaled
    if not pixels_total:
        return np.zeros((layout.size, layout.size))
    remainder = (residual * n_obs / max(n_obs - n_free, 1) - model) / pixels_total
    eigen, vectors = np.linalg.eigh(0.5 * (remainder + remainder.T))
    remainder = (vectors * np.maximum(eigen, 0.0)) @ vectors.T
    out = np.zeros((layout.size, layout.size))
    for z in range(nz):
        middle = monte_carlo[z] + np.einsum("bc,bcvw->bvcw", remainder,
                                            shared[z]).reshape(nb * nv, nb * nv)
        out += t[z].T @ middle @ t[z]
    return out


@dataclass
class MiddleTerm:
    """How the sandwich's middle term was made, per zone: the weight of the model-based
    term, from how many pixels' scores, for how many unknowns."""

    zones: list[str]
    weights: list[float]
    pixels: list[int]
    unknowns: list[int]

    def _zone(self, z: int) -> str:
        return f"zone {self.zones[z]}: " if len(self.zones) > 1 else ""

    def describe(self) -> str:
        parts = [f"{self._zone(z)}{1 - w:.0%} pixel scores, {w:.0%} noise model "
                 f"({self.pixels[z]} pixels for {self.unknowns[z]} unknowns)"
                 for z, w in enumerate(self.weights)]
        return "sandwich: " + "; ".join(parts)

    def rank_deficient(self) -> list[str]:
        """Per zone whose pixel scores cannot give the covariance: what it lacks."""
        return [f"{self._zone(z)}{self.pixels[z]} pixels for {self.unknowns[z]} unknowns"
                for z, w in enumerate(self.weights) if w >= 1 and self.unknowns[z]]


def middle_term(layout: Layout, data, x, chains, n_obs: int,
                free: np.ndarray) -> tuple[np.ndarray, MiddleTerm]:
    """The sandwich's middle term for the unknowns ``free``, with the fit's correction
    ``n_obs / (n_obs - unknowns)``: (P, P) and how it was made.

    The scores' outer products (``score_outer``) need no noise model, but a zone's N
    pixels give its block a rank <= N: with fewer pixels than unknowns (48 pixels of three
    10 m views for 60 unknowns) some directions get no variance at all, and with few more
    their variances are far too small. So per zone the model-based term
    (``model_middle_term``) takes the weight min(1, unknowns / N), the share of the N pixel
    scores the unknowns use up: 1 where the scores cannot describe the covariance, a few
    percent with thousands of pixels. Three views of the virtual forest (60 unknowns):
    largest component error whitened by the reported covariance (``whitened_rms``, about 1
    when right) 2.47 / 1.88 / 1.93 / 1.29 from the scores alone with 48 / 75 / 192 / 768
    pixels, 1.32 / 1.29 / 1.52 / 1.28 so. A pixel's score holds only its zone's unknowns,
    so both terms are block diagonal by zone."""
    n_free = int(np.size(free))
    scores = score_outer(layout, data, x, chains, n_obs) * n_obs / max(n_obs - n_free, 1)
    zone_of = np.array([layout.zone_names.index(q.zone) for q in layout.parameters], int)
    unknowns = np.bincount(zone_of[np.asarray(free, int)], minlength=len(layout.zone_names))
    pixels = np.zeros(len(layout.zone_names), int)
    for d in data:
        for z, part in enumerate(d.parts):
            pixels[z] += part[0].size
    weights = np.minimum(1.0, unknowns / np.maximum(pixels, 1))
    # below MIN_MODEL_WEIGHT the noise model would move the covariance by under 1 %: not
    # worth its cost (the model's gradients on every pixel) on large grids
    weights[weights < MIN_MODEL_WEIGHT] = 0.0
    made = MiddleTerm(list(layout.zone_names), weights.tolist(), pixels.tolist(),
                      unknowns.tolist())
    if not weights.any():
        return scores, made
    model = model_middle_term(layout, data, x, chains, n_obs, n_free)
    weight = weights[zone_of]  # per parameter; the blocks between zones are zero
    return scores + (model - scores) * weight[:, None], made


#: a zone's noise-model weight (unknowns / pixels) below which only the scores are used
MIN_MODEL_WEIGHT = 0.01


def hessian(problem: Problem, p: np.ndarray, keep: np.ndarray, step: float = 1e-5):
    """Hessian of the loss over the parameters ``keep``, by forward differences of the
    exact gradient (steps scaled to PROSPECT ranges, taken inwards at a range's end)."""
    layout = problem.layout
    span = layout.high - layout.low
    g0 = problem.objective(p)[1]
    h = np.zeros((keep.size, keep.size))
    for j, k in enumerate(keep):
        dk = step * span[k]
        if not layout.parameters[k].band and p[k] + dk > layout.high[k]:
            dk = -dk
        moved = p.copy()
        moved[k] += dk
        h[:, j] = (problem.objective(moved)[1][keep] - g0[keep]) / dk
    return 0.5 * (h + h.T)


def sandwich(problem: Problem, p, x, chains, keep: np.ndarray):
    """(cov (P, P) NaN outside ``keep``, H^-1 (P, P) NaN outside ``keep``, MiddleTerm)."""
    layout, size = problem.layout, problem.layout.size
    cov = np.full((size, size), np.nan)
    inverse = np.full((size, size), np.nan)
    if not keep.size:
        return cov, inverse, MiddleTerm(list(layout.zone_names), [], [], [])
    meat, made = middle_term(layout, problem.data, x, chains, problem.n_obs, keep)
    meat = meat[np.ix_(keep, keep)]
    h = hessian(problem, p, keep)
    eigen, vectors = np.linalg.eigh(h)
    floor = max(eigen.max(), 1e-300) * 1e-12
    # a direction the loss curves down along (the debiasing term can do that where the
    # images say nothing) is as unconstrained as a flat one: the Gauss-Newton curvature
    gauss = fisher(layout, problem.data, x, chains)[0][np.ix_(keep, keep)] * 2 / problem.n_obs
    eigen = np.where(eigen > floor, eigen, np.maximum(np.diag(vectors.T @ gauss @ vectors),
                                                      floor))
    bread = (vectors / eigen) @ vectors.T
    cov[np.ix_(keep, keep)] = bread @ meat @ bread
    inverse[np.ix_(keep, keep)] = bread
    return cov, inverse, made


# --- profile intervals --------------------------------------------------------------------
def profile_interval(q: Quantity, p_hat: np.ndarray, loss_min: float, variance: float,
                     h_inverse: np.ndarray, solve: Callable, attempts: int = 4):
    """(low, high, one point per side [(theta, Z^2)]) of the 95 % profile interval.

    ``solve(p_start, a, c, lam, loss_min, unit) -> (p, loss)`` minimises ``L + lam (a . p -
    c)^2`` (to a small share of ``unit``, the rise of the loss at the interval's end)."""
    a = q.a
    theta_hat = float(a @ p_hat)
    keep = np.isfinite(np.diag(h_inverse))
    hinv = np.nan_to_num(h_inverse)
    path = hinv @ a  # linear profile path: p(c) = p_hat + path (c - theta_hat) / (a H^-1 a)
    curvature = float(a @ path)  # a^T H^-1 a
    if not (variance > 0 and curvature > 0):
        return np.nan, np.nan, []
    sigma = np.sqrt(variance)
    lam = 50.0 / curvature
    unit = 0.5 * CHI2_95 * variance / curvature  # L_p - L_min at the end, linear model
    ends, points = [], []
    for side in (-1.0, 1.0):
        bound = q.low if side < 0 else q.high
        delta = side * np.sqrt(CHI2_95) * sigma
        end = None
        p_start = p_hat
        for _ in range(attempts):
            target = theta_hat + delta
            if (target - bound) * side >= 0:
                target = bound
            if abs(target - theta_hat) < 1e-12:
                end = bound
                break
            guess = p_start + path * (target - float(a @ p_start)) / curvature
            guess[~keep] = p_hat[~keep]
            p, loss = solve(guess, a, target, lam, loss_min, unit)
            theta = float(a @ p)
            z2 = max(2 * (loss - loss_min) * curvature / variance, 0.0)
            points.append((theta, z2))
            reached = abs(theta - theta_hat)
            if z2 < CHI2_95 and abs(target - bound) < 1e-12:
                end = bound  # the whole way to the bound stays within the interval
                break
            if reached <= 0:
                break
            if abs(z2 - CHI2_95) < 0.5 * CHI2_95 or z2 <= 0:
                scale = np.sqrt(CHI2_95 / z2) if z2 > 0 else 2.0
                end = theta_hat + side * reached * scale
                break
            delta = side * reached * np.sqrt(CHI2_95 / z2)
            p_start = p
        if end is None:
            end = theta_hat + delta
        end = float(np.clip(end, q.low, q.high))
        ends.append(end)
    return min(ends[0], theta_hat), max(ends[1], theta_hat), points


def trade_partners(k: int, correlation: np.ndarray, labels: list[str], own: set[int],
                   count: int = 3) -> list[str]:
    """The quantities most correlated with quantity k (|r| >= TRADE_CORRELATION)."""
    row = np.abs(np.nan_to_num(correlation[k]))
    order = [j for j in np.argsort(-row) if j != k and j not in own
             and row[j] >= TRADE_CORRELATION]
    return [f"{labels[j]} ({correlation[k, j]:+.2f})" for j in order[:count]]


def whitened_rms(result, variable_names: list[str], bands: list[str],
                 truth: np.ndarray) -> np.ndarray:
    """Per component (``variable_names``, "element:quantity"): the RMS over bands of its
    errors against ``truth`` (bands, variables) whitened with the reported covariance of
    its bands, sqrt(e^T C^-1 e / bands): about 1, with one degree of freedom per band,
    where the standard errors and correlations are right (the bands of one component share
    their paths, so their plain errors are far from independent)."""
    out = []
    for v, name in enumerate(variable_names):
        element, quantity = name.rsplit(":", 1)
        index = [k for k, p in enumerate(result.parameters)
                 if (p.element, p.quantity) == (element, quantity)]
        rows = [bands.index(result.parameters[k].band) for k in index]
        error = result.values[index] - truth[rows, v]
        std = result.std[index]
        covariance = result.correlation[np.ix_(index, index)] * np.outer(std, std)
        out.append(np.sqrt(error @ np.linalg.solve(covariance, error) / len(index)))
    return np.array(out)
