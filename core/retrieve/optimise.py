"""Minimise the image loss (``loss.prepare``) with bounded quasi-Newton steps from several
starts, then say how well the images fix every quantity (``uncertainty``).

The optimiser works on the box variables u (``loss.Layout``), preconditioned by the
diagonal of the Gauss-Newton Hessian at the prior so that leaves filling 5 % of the image
and a ground filling half of it converge together. Besides the prior, ``starts - 1``
random points of the box are tried (seeded, so a run repeats): when they end in different
optima the loss has several basins and the lowest wins; the report lists them.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from ..canceled import Canceled
from . import uncertainty as unc
from .loss import FREE, PROSPECT, SENSITIVITY_FLOOR, Parameter, Problem, View, prepare

INTERVALS = ("profile", "sandwich")


@dataclass
class RetrievalResult:
    parameters: list[Parameter]
    values: np.ndarray  # (P,) retrieved, in physical units
    prior: np.ndarray  # (P,)
    std: np.ndarray  # (P,) NaN where not estimable
    status: list[str]  # per parameter (see ``uncertainty``)
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
    #: one row per quantity (every parameter, then leaf albedos): value, std, 95 % interval
    #: (low95, high95), status and the quantities it trades off with
    quantities: list[dict] = field(default_factory=list)
    #: element -> how its r/t split was constrained ("" where it was not)
    constraints: dict[str, str] = field(default_factory=dict)
    #: per start: (final loss, largest |p - p_best|)
    starts: list[tuple[float, float]] = field(default_factory=list)
    #: loss on a grid over the worst-identified pair (others at the optimum), or None
    landscape: dict | None = None
    intervals: str = "profile"
    #: samples per pixel of the traces retrieved on, and what adaptive sampling did
    #: (``run.Sampling``; None when ``retrieve`` was called on given traces)
    samples: int = 0
    sampling: object | None = None
    #: how the covariance's middle term was made (``uncertainty.MiddleTerm``)
    middle_term: object | None = None

    def rows(self) -> list[dict]:
        """Long table: one row per reported value (spectra of every element and zone,
        leaf albedos, PROSPECT parameters), with prior, standard error, 95 % interval and
        status."""
        out = [dict(row) for row in self.quantities]
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
                                    std=self.variables_std[z, b, v], low95=np.nan,
                                    high95=np.nan, prior=self.prior_variables[z, b, v],
                                    status="derived" if mode == PROSPECT else "fixed",
                                    trades_with=""))
        return out

    def _mode(self, element: str) -> str:
        return self.modes[self.element_names.index(element)]


class _Minimiser:
    """L-BFGS-B on s = D u (D: diagonal preconditioning), optionally with a penalty
    ``lam (a . p - c)^2`` (profile points)."""

    def __init__(self, problem: Problem, frozen: np.ndarray, u0: np.ndarray, scale_u,
                 is_canceled=None):
        self.problem = problem
        self.scale_u = scale_u
        self.is_canceled = is_canceled
        layout = problem.layout
        self.low = np.where(frozen, u0, layout.u_low)
        self.high = np.where(frozen, u0, layout.u_high)
        self.bounds = list(zip(self.low * scale_u, self.high * scale_u, strict=True))
        loss0 = problem.objective(layout.p_from_u(u0), gradient=False)[0]
        self.scale = 1.0 / abs(loss0) if loss0 != 0 else 1.0
        self.evaluations = 0

    def fun(self, s, penalty=None, offset=0.0, scale=None):
        if self.is_canceled is not None and self.is_canceled():
            raise Canceled()
        self.evaluations += 1
        scale = self.scale if scale is None else scale
        layout = self.problem.layout
        u = s / self.scale_u
        p = layout.p_from_u(u)
        loss, grad_p = self.problem.objective(p)
        if penalty is not None:
            a, c, lam = penalty
            gap = float(a @ p) - c
            loss = loss + lam * gap**2
            grad_p = grad_p + 2 * lam * gap * a
        return (loss - offset) * scale, layout.grad_u(u, grad_p) * scale / self.scale_u

    def run(self, u_start, max_iterations, penalty=None, callback=None, offset=0.0,
            scale=None, ftol=1e-14, gtol=1e-12):
        u_start = np.clip(u_start, self.low, self.high)
        solution = scipy.optimize.minimize(
            self.fun, u_start * self.scale_u, args=(penalty, offset, scale), jac=True,
            method="L-BFGS-B", bounds=self.bounds, callback=callback,
            options={"maxiter": max_iterations, "ftol": ftol, "gtol": gtol, "maxcor": 30,
                     "maxls": 40})
        u = np.clip(solution.x / self.scale_u, self.low, self.high)
        return u, solution

    def profile_point(self, p_start, a, c, lam, loss_min, unit, h_inverse=None):
        """Minimise L + lam (a . p - c)^2 from p_start: (p, L(p)). First Newton steps with
        the optimum's inverse Hessian ``h_inverse`` (the penalty added by Sherman-Morrison),
        projected on the bounds: a few gradients where the loss is near quadratic; then
        L-BFGS-B if they stall. The loss is measured from ``loss_min`` in ``unit`` (the rise
        expected at the interval's end), so the tolerances ask for a small share of that
        rise, not of the loss."""
        layout = self.problem.layout
        objective = self.problem.objective

        def project(p):
            return layout.p_from_u(np.clip(layout.u_from_p(p), self.low, self.high))

        def total(p):
            loss, grad = objective(p)
            gap = float(a @ p) - c
            self.evaluations += 1
            return loss, loss + lam * gap**2, grad + 2 * lam * gap * a

        if h_inverse is not None:
            ha = h_inverse @ a
            newton = h_inverse - np.outer(ha, ha) * (2 * lam / (1 + 2 * lam * float(a @ ha)))
            p = project(p_start)
            loss, value, grad = total(p)
            low = np.where([q.band != "" for q in layout.parameters], 0.0, layout.low)
            high = np.where([q.band != "" for q in layout.parameters], 1.0, layout.high)
            for _ in range(8):
                step, accepted = newton @ grad, False
                # parameters on a bound that the step pushes out stay there: Newton on the
                # others, (H_FF)^-1 = Hinv_FF - Hinv_FA Hinv_AA^-1 Hinv_AF
                active = np.flatnonzero(((p <= low + 1e-12) & (step > 0))
                                        | ((p >= high - 1e-12) & (step < 0)))
                if active.size:
                    block = np.linalg.pinv(newton[np.ix_(active, active)])
                    reduced = newton - newton[:, active] @ block @ newton[active, :]
                    step = reduced @ grad
                    step[active] = 0.0
                if 0.5 * float(grad @ step) < 1e-4 * unit:  # Newton's predicted decrease
                    return p, loss
                for _ in range(4):
                    trial = project(p - step)
                    trial_loss, trial_value, trial_grad = total(trial)
                    if trial_value <= value:
                        accepted = True
                        break
                    step = step / 2
                if not accepted:
                    break
                done = value - trial_value < 1e-4 * unit
                p, loss, value, grad = trial, trial_loss, trial_value, trial_grad
                if done:
                    return p, loss
        u, _ = self.run(layout.u_from_p(p_start), 200, penalty=(a, c, lam), offset=loss_min,
                        scale=1.0 / unit, ftol=1e-7, gtol=1e-5)
        p = layout.p_from_u(u)
        return p, objective(p, gradient=False)[0]


def retrieve(
    scene,
    views: list[View],
    bands: list[str],
    max_iterations: int = 300,
    progress: Callable[[float, str], None] | None = None,
    is_canceled: Callable[[], bool] | None = None,
    starts: int = 1,
    intervals: str = "profile",
    landscape: bool = False,
    constraints: dict[str, str] | None = None,
    **options,
) -> RetrievalResult:
    """Minimise the image loss (see ``prepare`` for ``options``) with L-BFGS-B from
    ``starts`` starts; 95 % intervals by ``intervals`` (profile: profile likelihood;
    sandwich: estimate +- 1.96 standard errors, clipped to the bounds); ``landscape``: the
    loss over the worst-identified pair; ``constraints``: element -> text saying how its r/t
    was constrained, for the report."""
    if intervals not in INTERVALS:
        raise ValueError(f"intervals must be one of {', '.join(INTERVALS)}")
    start_time = time.perf_counter()
    problem = prepare(scene, views, bands, **options)
    layout, data, prior_x, p0 = problem.layout, problem.data, problem.prior_x, problem.p0
    objective = problem.objective
    zone_names, names, mode_list = problem.zone_names, problem.names, problem.modes
    bands = problem.bands
    nb, nv, n_zones = len(bands), scene.n_variables, len(zone_names)

    # identifiability at the prior: largest |dR/dp| anywhere
    prior_chains = layout.variables(p0, prior_x, derivatives=True)[1] if layout.leaves else []
    fisher0, sensitivity = unc.fisher(layout, data, problem.prior_full, prior_chains)
    frozen = sensitivity < SENSITIVITY_FLOOR
    # a translucent pair is frozen only as a whole (r and t mix in w and q)
    for _, _, _, ri, ti in layout.pairs:
        both = frozen[ri] & frozen[ti]
        frozen[ri], frozen[ti] = both, both
    frozen |= layout.u_low == layout.u_high  # fixed r/t ratios
    u0 = np.clip(layout.u_from_p(p0), layout.u_low, layout.u_high)
    gauss_newton = np.array([layout.grad_u(u0, row) for row in fisher0])
    gauss_newton = np.array([layout.grad_u(u0, column) for column in gauss_newton.T])
    diagonal = np.sqrt(np.clip(np.diag(gauss_newton) / problem.n_obs, 0, None))
    scale_u = np.where(diagonal > 0, diagonal, 1.0) / max(diagonal.max(), 1e-300)
    scale_u = np.maximum(scale_u, 1e-6)
    minimiser = _Minimiser(problem, frozen, u0, scale_u, is_canceled)

    history = [objective(p0, gradient=False)[0]]

    def callback(s):
        history.append(objective(layout.p_from_u(s / scale_u), gradient=False)[0])
        if progress is not None:
            progress(0.8 * min(len(history) / max_iterations, 1.0),
                     f"iteration {len(history) - 1}: loss {history[-1]:.3g}")

    # multi-start: the prior, then random points of the box
    rng = np.random.default_rng(0)
    runs = []
    for k in range(max(1, starts)):
        u_start = u0 if k == 0 else np.where(
            frozen, u0, rng.uniform(minimiser.low, minimiser.high))
        u, solution = minimiser.run(u_start, max_iterations, callback=callback if k == 0
                                    else None)
        runs.append((objective(layout.p_from_u(u), gradient=False)[0], u, solution))
    best = min(range(len(runs)), key=lambda k: runs[k][0])
    loss_min, u, solution = runs[best]
    p = layout.p_from_u(u)
    start_rows = [(float(loss), float(np.abs(layout.p_from_u(v) - p).max()))
                  for loss, v, _ in runs]
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

    # uncertainty: sandwich covariance at the optimum, then 95 % intervals
    if progress is not None:
        progress(0.8, "uncertainty")
    _, sensitivity = unc.fisher(layout, data, x, chains)
    unidentifiable = sensitivity < SENSITIVITY_FLOOR
    fixed_ratio = np.zeros(layout.size, bool)
    for _, _, _, ri, ti in layout.pairs:
        fixed = layout.u_low[ti] == layout.u_high[ti]
        fixed_ratio[ri] |= fixed
        fixed_ratio[ti] |= fixed
    keep = np.flatnonzero(~unidentifiable & ~frozen)
    cov_p, h_inverse_p, middle = _reduced_covariance(problem, layout, p, x, chains, keep, u,
                                                     fixed_ratio)
    std = np.sqrt(np.clip(np.diag(cov_p), 0, None))
    std[unidentifiable] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = cov_p / np.outer(std, std)

    quantity_list = unc.quantities(layout)
    a_matrix = np.array([q.a for q in quantity_list])
    cov_q = np.nan_to_num(cov_p) @ a_matrix.T
    cov_q = a_matrix @ cov_q
    std_q = np.sqrt(np.clip(np.diag(cov_q), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr_q = cov_q / np.outer(std_q, std_q)
    labels = [q.label for q in quantity_list]
    albedos = {j for j, q in enumerate(quantity_list) if q.quantity == "albedo"}
    values_q = a_matrix @ p
    rows, status = [], []
    for j, q in enumerate(quantity_list):
        members = np.flatnonzero(q.a)
        mode = mode_list[names.index(q.element)]
        prior_value = float(q.a @ p0)
        row = dict(element=q.element, zone=q.zone, mode=mode, quantity=q.quantity,
                   band=q.band, value=values_q[j], std=std_q[j], low95=np.nan,
                   high95=np.nan, prior=prior_value, status="ok", trades_with="")
        if unidentifiable[members].any():
            row.update(value=np.nan, std=np.nan, status="unidentifiable")
        elif fixed_ratio[members].any() and q.quantity != "albedo":
            row["status"] = "constrained"
            _interval(row, q, j, cov_q, values_q, None)
        else:
            points = None
            if intervals == "profile" and std_q[j] > 0:
                h_inverse = np.nan_to_num(h_inverse_p, nan=0.0)
                low, high, _ = unc.profile_interval(
                    q, p, loss_min, cov_q[j, j], h_inverse,
                    functools.partial(minimiser.profile_point, h_inverse=h_inverse))
                points = (low, high)
            _interval(row, q, j, cov_q, values_q, points)
            bound = _on_bound(layout, q, p)
            width = row["high95"] - row["low95"]
            limit = unc.WEAK_WIDTH if q.reflectance else 0.2 * (q.high - q.low)
            if bound:
                row["status"] = f"at bound ({bound})"
            elif not np.isfinite(width) or width > limit:
                row["status"] = "weakly identified"
            if row["status"] != "ok":
                row["trades_with"] = "; ".join(unc.trade_partners(
                    j, corr_q, labels, albedos | {j}))
        rows.append(row)
        if progress is not None:
            progress(0.8 + 0.2 * (j + 1) / len(quantity_list), "95 % intervals")
    status = [rows[k]["status"] for k in range(layout.size)]
    values = p.copy()
    values[unidentifiable] = np.nan
    warnings = []
    for label in sorted({f"{layout.parameters[k].element} ({layout.parameters[k].zone})"
                         for k in np.flatnonzero(unidentifiable)}):
        warnings.append(f"{label}: no pixel depends on it (gradients ~0 everywhere): "
                        f"unidentifiable, reported as NaN")
    weak = [r for r in rows if r["status"] == "weakly identified"]
    if weak:
        warnings.append(f"{len(weak)} quantities are weakly identified (95 % interval wider "
                        f"than {unc.WEAK_WIDTH:g}): constrain their r/t (RT_CONSTRAINT), add a "
                        f"view or a date, or trace more samples")
    for lack in middle.rank_deficient():
        warnings.append(f"{lack}: their pixel scores cannot give the covariance, so the "
                        f"standard errors rest on a noise model (the trace's Monte Carlo noise "
                        f"per pixel plus a remainder shared by every pixel)")
    distinct = [s for s in start_rows if s[1] > 0.01]
    if distinct:
        warnings.append(f"{len(distinct)} of {len(start_rows)} starts ended elsewhere "
                        f"(losses {', '.join(f'{s[0]:.4g}' for s in distinct)} against "
                        f"{loss_min:.4g}): the loss has several basins; the lowest is kept")
    # standard errors of every element's r and t (PROSPECT leaves by the chain rule)
    jx = layout.jacobian_x(nv, chains)
    cov0 = np.nan_to_num(cov_p)
    x_var = np.einsum("ip,pq,iq->i", jx, cov0, jx).reshape(n_zones, nb, nv)
    x_std = np.sqrt(np.clip(x_var, 0, None))
    touched = np.abs(jx).sum(axis=1).reshape(n_zones, nb, nv) > 0
    x_std[~touched] = np.nan
    for k in np.flatnonzero(unidentifiable):
        x_std[np.abs(jx[:, k]).reshape(n_zones, nb, nv) > 0] = np.nan
    result = RetrievalResult(
        parameters=layout.parameters, values=values, prior=p0, std=std, status=status,
        correlation=correlation, variables=x, prior_variables=problem.prior_full,
        variables_std=x_std, simulated=simulated, history=history,
        rmse=float(np.sqrt(squared / max(n_sse, 1))), evaluations=minimiser.evaluations,
        iterations=int(runs[0][2].nit), message=str(solution.message),
        seconds=0.0, zone_names=zone_names, bands=bands,
        element_names=names, modes=mode_list, variable_names=scene.variable_names,
        warnings=warnings, quantities=rows, starts=start_rows, intervals=intervals,
        middle_term=middle,
        constraints={n: (constraints or {}).get(n, "") for n, m in zip(
            names, mode_list, strict=True) if m == FREE
            and scene.elements.elements[names.index(n)].translucent},
    )
    if landscape:
        result.landscape = _landscape(problem, p, quantity_list, rows, corr_q, labels)
    result.seconds = time.perf_counter() - start_time
    return result


def _reduced_covariance(problem, layout, p, x, chains, keep, u, fixed_ratio):
    """Sandwich covariance in p, H^-1 and ``uncertainty.MiddleTerm``. A pair with a fixed
    r/t has one unknown (its albedo w): its r and t move together, r = q w, t = (1 - q) w;
    the covariance is computed in the free directions and mapped back."""
    size = layout.size
    basis = np.eye(size)
    drop = []
    for _, _, _, ri, ti in layout.pairs:
        for r, t in zip(ri, ti, strict=True):
            if fixed_ratio[r] and r in keep:
                q = u[t]
                basis[:, r] = 0
                basis[r, r], basis[t, r] = q, 1 - q  # d p / d w
                drop.append(t)
    free = np.array([k for k in keep if k not in drop], dtype=np.int64)
    if not drop:
        return unc.sandwich(problem, p, x, chains, free)
    b = basis[:, free]  # (P, F): p = p_hat + b delta

    def objective(delta, gradient=True):
        """The loss over the free directions (delta indexed like p)."""
        loss, grad = problem.objective(p + b @ delta[free], gradient)
        out = np.zeros(size)
        if gradient:
            out[free] = b.T @ grad
        return loss, out

    h = unc.hessian(dataclasses.replace(problem, objective=objective), np.zeros(size), free)
    # meat in p, projected on the free directions
    meat, middle = unc.middle_term(layout, problem.data, x, chains, problem.n_obs, free)
    meat = b.T @ meat @ b
    eigen, vectors = np.linalg.eigh(h)
    eigen = np.maximum(eigen, max(eigen.max(), 1e-300) * 1e-12)
    bread = (vectors / eigen) @ vectors.T
    cov_f = bread @ meat @ bread
    cov = np.full((size, size), np.nan)
    inverse = np.full((size, size), np.nan)
    used = np.flatnonzero(np.abs(b).sum(axis=1) > 0)
    cov[np.ix_(used, used)] = (b @ cov_f @ b.T)[np.ix_(used, used)]
    inverse[np.ix_(used, used)] = (b @ bread @ b.T)[np.ix_(used, used)]
    return cov, inverse, middle


def _interval(row, q, j, cov_q, values_q, points):
    if points is None or not np.all(np.isfinite(points)):
        half = np.sqrt(unc.CHI2_95) * np.sqrt(max(cov_q[j, j], 0.0))
        points = (values_q[j] - half, values_q[j] + half)
    row["low95"] = float(np.clip(points[0], q.low, q.high))
    row["high95"] = float(np.clip(points[1], q.low, q.high))


def _on_bound(layout, q, p, tolerance=1e-6) -> str:
    """Which physical bound the estimate of q sits on ("" if none)."""
    value = float(q.a @ p)
    if value <= q.low + tolerance * max(1.0, abs(q.low)):
        return f"{q.quantity} = {q.low:g}"
    if value >= q.high - tolerance * max(1.0, abs(q.high)):
        return f"{q.quantity} = {q.high:g}"
    pair = layout.pair_of(int(np.flatnonzero(q.a)[0])) if q.reflectance else None
    if pair is not None and q.quantity in ("r", "t"):
        ri, ti = pair
        band = np.flatnonzero([layout.parameters[k].band == q.band for k in ri])[0]
        if p[ri[band]] + p[ti[band]] >= 1 - tolerance:
            return "r + t = 1"
    return ""


def _landscape(problem, p, quantity_list, rows, corr_q, labels, size: int = 15):
    """Loss over the worst-identified parameter (widest interval relative to the
    weak-identification width) and its most correlated partner, others at the optimum."""
    candidates = [j for j, q in enumerate(quantity_list)
                  if q.quantity != "albedo" and np.isfinite(rows[j]["high95"])]
    if len(candidates) < 2:
        return None

    def width(j):
        q = quantity_list[j]
        limit = unc.WEAK_WIDTH if q.reflectance else 0.2 * (q.high - q.low)
        return (rows[j]["high95"] - rows[j]["low95"]) / limit

    worst = max(candidates, key=width)
    partner = max((j for j in candidates if j != worst),
                  key=lambda j: abs(np.nan_to_num(corr_q[worst, j])))
    axes = []
    for j in (worst, partner):
        q = quantity_list[j]
        centre = rows[j]["value"]
        half = max(rows[j]["high95"] - rows[j]["low95"], 0.02 * (q.high - q.low))
        axes.append(np.linspace(max(q.low, centre - half), min(q.high, centre + half), size))
    ka = int(np.flatnonzero(quantity_list[worst].a)[0])
    kb = int(np.flatnonzero(quantity_list[partner].a)[0])
    loss = np.full((size, size), np.nan)
    pair = problem.layout.pair_of(ka)
    same_leaf = pair is not None and problem.layout.pair_of(kb) is not None and (
        kb in pair[0] or kb in pair[1])
    for i, va in enumerate(axes[0]):
        for k, vb in enumerate(axes[1]):
            trial = p.copy()
            trial[ka], trial[kb] = va, vb
            if same_leaf and trial[pair[0]].max() + trial[pair[1]].max() > 1 + 1e-12 and (
                    (trial[pair[0]] + trial[pair[1]]) > 1 + 1e-12).any():
                continue
            loss[k, i] = problem.objective(trial, gradient=False)[0]
    return dict(x=axes[0], y=axes[1], loss=loss, x_label=labels[worst],
                y_label=labels[partner], optimum=(p[ka], p[kb]),
                correlation=float(np.nan_to_num(corr_q[worst, partner])))
