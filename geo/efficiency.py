"""Input-oriented DEA efficiency of units (CCR and BCC), solved with scipy's HiGHS.

For unit o with inputs x_o and outputs y_o, over all units j:

* **CCR** (constant returns): min θ s.t. Σ λ_j x_j ≤ θ x_o, Σ λ_j y_j ≥ y_o, λ ≥ 0;
* **BCC** (variable returns): the same with Σ λ_j = 1;
* **scale efficiency** = CCR / BCC; **returns to scale** from the CCR Σλ: = 1 constant,
  < 1 increasing, > 1 decreasing (reported as constant when scale efficiency is 1);
* **slacks**: a second stage fixes θ at the CCR optimum and maximises the input and output
  slacks, so a unit with θ = 1 but slack is weakly, not fully, efficient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linprog

__all__ = ["dea"]

_TOL = 1e-7


def _envelopment(
    x: np.ndarray, y: np.ndarray, o: int, *, vrs: bool
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
    """Solve one unit's radial LP and the slack LP; return θ, λ, input and output slacks.

    None when either LP has no optimal solution (HiGHS status other than 0).
    """
    n, m = x.shape
    s = y.shape[1]
    # variables: theta, lambda_1..n
    c = np.r_[1.0, np.zeros(n)]
    a_ub = np.vstack([np.c_[-x[o][:, None], x.T], np.c_[np.zeros((s, 1)), -y.T]])
    b_ub = np.r_[np.zeros(m), -y[o]]
    a_eq = np.r_[0.0, np.ones(n)][None] if vrs else None
    b_eq = np.array([1.0]) if vrs else None
    first = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(None, None)] + [(0, None)] * n,
        method="highs",
    )
    if first.status != 0:  # infeasible or unbounded (e.g. an output no peer can match)
        return None
    theta = float(first.x[0])
    # stage two: maximise slacks with theta fixed; variables lambda, s_in, s_out
    c2 = np.r_[np.zeros(n), -np.ones(m), -np.ones(s)]
    a_eq2 = np.vstack(
        [np.c_[x.T, np.eye(m), np.zeros((m, s))], np.c_[y.T, np.zeros((s, m)), -np.eye(s)]]
    )
    b_eq2 = np.r_[theta * x[o], y[o]]
    if vrs:
        a_eq2 = np.vstack([a_eq2, np.r_[np.ones(n), np.zeros(m + s)]])
        b_eq2 = np.r_[b_eq2, 1.0]
    second = linprog(c2, A_eq=a_eq2, b_eq=b_eq2, bounds=[(0, None)] * (n + m + s), method="highs")
    if second.status != 0:
        return None
    lam = second.x[:n]
    return theta, lam, second.x[n : n + m], second.x[n + m :]


def _infeasible(columns: list[str]) -> dict[str, object]:
    """Return the row of a unit whose LP has no optimal solution (no scores, said in words)."""
    nan = float("nan")
    row: dict[str, object] = {"ccr": nan, "bcc": nan, "scale": nan}
    row |= {"returns_to_scale": "infeasible", "lambda_sum": nan}
    return row | {f"slack_{c}": nan for c in columns}


def dea(table: pd.DataFrame, inputs: list[str], outputs: list[str]) -> pd.DataFrame:
    """Input-oriented CCR and BCC efficiency of every row.

    Parameters
    ----------
    table
        One row per unit, with positive inputs and non-negative outputs.
    inputs, outputs
        Column names.

    Returns
    -------
    pandas.DataFrame
        ``ccr``, ``bcc``, ``scale``, ``returns_to_scale``, ``lambda_sum`` and one
        ``slack_<column>`` per input and output, indexed like ``table``. A unit with no
        input at all is left out of the frontier, and it and any unit whose linear programme
        has no optimal solution get no scores and ``returns_to_scale`` = ``"infeasible"``.
    """
    x = table[inputs].to_numpy(float)
    y = table[outputs].to_numpy(float)
    # a unit without any input is no peer (it would make every output free) and has no score
    valid = (x > 0).any(axis=1)
    position = np.cumsum(valid) - 1
    x, y = x[valid], y[valid]
    rows = []
    for row in range(len(table)):
        o = int(position[row])
        ok = bool(valid[row])
        constant = _envelopment(x, y, o, vrs=False) if ok else None
        variable = _envelopment(x, y, o, vrs=True) if ok else None
        if constant is None or variable is None:
            rows.append(_infeasible(inputs + outputs))
            continue
        ccr, lam, s_in, s_out = constant
        bcc = variable[0]
        scale = ccr / bcc if bcc > 0 else float("nan")
        total = float(lam.sum())
        if abs(scale - 1) < 1e-6:
            rts = "constant"
        else:
            rts = (
                "increasing"
                if total < 1 - 1e-6
                else "decreasing"
                if total > 1 + 1e-6
                else "constant"
            )
        row = {"ccr": ccr, "bcc": bcc, "scale": scale, "returns_to_scale": rts, "lambda_sum": total}
        row |= {
            f"slack_{c}": max(v, 0.0) if v > _TOL else 0.0
            for c, v in zip(inputs, s_in, strict=True)
        }
        row |= {
            f"slack_{c}": max(v, 0.0) if v > _TOL else 0.0
            for c, v in zip(outputs, s_out, strict=True)
        }
        rows.append(row)
    return pd.DataFrame(rows, index=table.index)
