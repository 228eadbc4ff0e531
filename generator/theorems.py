"""General statements the prose makes, each tied to a proof the build runs (invariant 10).

A template that states something general ("the relative error is at most two", "the central
difference is wrong in proportion to the step squared") names the statement:
``<< theorem("relative_error_at_most_two") >>``. The build runs its proof, a short SymPy argument,
and fails if it does not go through; the verification appendix lists every statement proved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from generator import gradcheck


@dataclass(frozen=True)
class Theorem:
    """A statement (LaTeX, for the verification appendix) and the proof that checks it (returns what
    fails, or None). A statement is the code's own text: its numerals are the theorem's, not values."""

    name: str
    statement: str
    proof: Callable[[], str | None]


def _relative_error_at_most_two() -> str | None:
    """|a - b| / max(|a|, |b|) <= 2, attained at b = -a: with M = max(|a|, |b|) > 0 write a = M s,
    b = M u where one of s, u is +1 or -1 and the other lies in [-1, 1]; the ratio is |s - u|."""
    u = sp.Symbol("u", real=True)
    interval = sp.Interval(-1, 1)
    largest = max(sp.calculus.util.maximum(sp.Abs(s - u), u, interval) for s in (1, -1))
    if largest != 2:
        return f"the largest relative error found is {largest}, not 2"
    a = sp.Symbol("a", positive=True)
    if sp.simplify(sp.Abs(a - (-a)) / sp.Max(sp.Abs(a), sp.Abs(-a))) != 2:
        return "b = -a does not attain 2"
    return None


def _difference_order(points: tuple[int, int], divisor: int, order: int) -> Callable[[], str | None]:
    """The difference quotient (J(x + p h) - J(x + q h)) / (divisor h) of any smooth J differs from
    J'(x) by a term of order h**order, and by no term of lower order."""

    def proof() -> str | None:
        x, h = sp.symbols("x h")
        J = sp.Function("J")
        expansion = sum(
            sp.diff(J(x), x, n) * (points[0] ** n - points[1] ** n) * h**n / sp.factorial(n) for n in range(order + 3)
        )
        error = sp.expand(expansion / (divisor * h) - sp.diff(J(x), x))
        if error == 0:  # a Taylor polynomial far enough to show the error's lowest term shows none
            return f"the quotient's error has no term up to order h**{order + 1}"
        lowest = min((term.as_coeff_exponent(h)[1] for term in sp.Add.make_args(error)), default=None)
        if lowest != order:
            return f"the quotient's error has lowest order h**{lowest}, not h**{order}"
        return None

    return proof


# The order in the step of each difference quotient's error: proved by ``_difference_order``, stated
# from here and quoted by the prose (``theorem_term(name, "error")``: ``\step``, ``\step^{2}``).
DIFFERENCE_ORDERS = {"forward_difference_order_one": 1, "central_difference_order_two": 2}


def _power(base: str, n: int) -> str:
    return base if n == 1 else f"{base}^{{{n}}}"


# The figures the prose quotes from two statements, read by their proofs and printed from here
# (``theorem_term``), so that the prose's numbers are the proved ones: the least error of a central
# difference is of the order of eps**LEAST_ERROR, and a float64 (float32) number has 52 (23) bits after
# its leading one, eps = 2**-bits.
LEAST_ERROR = sp.Rational(2, 3)
MANTISSA_BITS = {"double": 52, "single": 23}


def _best_step() -> str | None:
    """Truncation a h**2 grows with h and round-off b eps / h shrinks (a, b, eps > 0); their sum is least
    at h = (b eps / 2a)**(1/3), a cube root of eps, where it is a constant times eps**(2/3)."""
    a, b, eps, h = sp.symbols("a b epsilon h", positive=True)
    error = a * h**2 + b * eps / h
    if sp.diff(a * h**2, h).is_positive is not True or sp.diff(b * eps / h, h).is_negative is not True:
        return "the truncation error does not grow with the step, or the round-off error does not shrink"
    critical = sp.solve(sp.diff(error, h), h)
    if len(critical) != 1:
        return f"the error has {len(critical)} critical steps, not one"
    (best,) = critical
    if sp.simplify(sp.diff(error, h, 2).subs(h, best)).is_positive is not True:
        return "the critical step is not a minimum"
    if sp.simplify(best / sp.cbrt(eps)).has(eps):
        return f"the best step {best} is not a constant times the cube root of eps"
    if sp.simplify(error.subs(h, best) / eps**LEAST_ERROR).has(eps):
        return "the least error is not a constant times eps**(2/3)"
    return None


def _precision_against_thresholds() -> str | None:
    """eps**(2/3), the best attainable relative error, against the rule of thumb's first threshold:
    far below it in double precision (eps = 2**-52), above it in single precision (eps = 2**-23)."""
    first = sp.nsimplify(gradcheck.VERDICTS[0][0])
    double, single = ((sp.Integer(2) ** -MANTISSA_BITS[which]) ** LEAST_ERROR for which in ("double", "single"))
    if not double * 1000 < first:
        return f"in double precision eps**(2/3) = {sp.N(double, 3)} is not far below {first}"
    if not single > first:
        return f"in single precision eps**(2/3) = {sp.N(single, 3)} is not above {first}"
    return None


def _xor_not_separable() -> str | None:
    """No single unit w1 x1 + w2 x2 + c separates XOR: the margins it would need positive, at (0, 1)
    and (1, 0), minus those it would need not positive, at (0, 0) and (1, 1), sum to zero for every
    w1, w2, c; a sum of two positive numbers minus two that are not positive is positive."""
    w1, w2, c = sp.symbols("w1 w2 c", real=True)

    def margin(x1: int, x2: int) -> sp.Expr:
        return w1 * x1 + w2 * x2 + c

    combination = margin(0, 1) + margin(1, 0) - margin(0, 0) - margin(1, 1)
    if sp.expand(combination) != 0:
        return f"the combination of the four margins is {sp.expand(combination)}, not zero"
    return None


def _zero(expression: sp.Expr, what: str) -> str | None:
    """None if ``expression`` simplifies to zero, else what it is."""
    rest = sp.simplify(expression)
    return None if rest == 0 else f"{what} leaves {rest}, not zero"


def _sigmoid_cross_entropy_error() -> str | None:
    """d/dz of -(y log s + (1 - y) log(1 - s)), s = 1 / (1 + e^-z), is s - y for every z and y."""
    z, y = sp.symbols("z y", real=True)
    s = 1 / (1 + sp.exp(-z))
    loss = -(y * sp.log(s) + (1 - y) * sp.log(1 - s))
    return _zero(sp.diff(loss, z) - (s - y), "the derivative minus (prediction - target)")


def _tanh_slope() -> str | None:
    """d/dz tanh z = 1 - tanh(z)^2."""
    z = sp.symbols("z", real=True)
    return _zero(sp.diff(sp.tanh(z), z) - (1 - sp.tanh(z) ** 2), "the slope minus (1 - tanh^2)")


def _inversion_slope() -> str | None:
    """d/dx (1/x) = -(1/x)^2: minus the square of the gate's output."""
    x = sp.symbols("x", nonzero=True)
    return _zero(sp.diff(1 / x, x) + (1 / x) ** 2, "the slope plus the output squared")


def _max_routes_to_the_larger() -> str | None:
    """For u > v, max(u, v) = u has slope one in u and zero in v: the larger input takes the whole gradient."""
    u, d = sp.symbols("u d", real=True)
    v = u - sp.exp(d)  # any v below u
    top = sp.Max(u, v)
    larger, smaller = sp.symbols("larger smaller", real=True)
    gate = sp.Max(larger, smaller)
    slopes = [sp.diff(gate, larger), sp.diff(gate, smaller)]
    at = {larger: u, smaller: v}
    values = [sp.simplify(slope.subs(at)) for slope in slopes]
    if sp.simplify(top - u) != 0 or values != [1, 0]:
        return f"the slopes of max at the larger and the smaller input are {values}, not [1, 0]"
    return None


def _softmax_own_up_others_down() -> str | None:
    """For p = softmax(z) over three classes, dp_i/dz_i = p_i (1 - p_i) > 0 and dp_j/dz_i = -p_i p_j < 0."""
    z = sp.symbols("z1:4", real=True)
    total = sum(sp.exp(zk) for zk in z)
    p = [sp.exp(zk) / total for zk in z]
    own = sp.simplify(sp.diff(p[0], z[0]) - p[0] * (1 - p[0]))
    other = sp.simplify(sp.diff(p[1], z[0]) + p[0] * p[1])
    if own != 0 or other != 0:
        return f"the softmax derivatives differ from p(1 - p) and -p p by {own} and {other}"
    return None


def _step_against_the_gradient() -> str | None:
    """For a smooth loss J (a cubic with any coefficients), J(w - eta J'(w)) = J(w) - eta J'(w)^2 + O(eta^2):
    a small step against the gradient lowers the loss, to first order."""
    w, eta = sp.symbols("w eta", real=True)
    c = sp.symbols("c0:4", real=True)
    loss = sum(ck * w**k for k, ck in enumerate(c))
    slope = sp.diff(loss, w)
    first = sp.diff(loss.subs(w, w - eta * slope), eta).subs(eta, 0)
    return _zero(first + slope**2, "the first-order change plus the squared gradient")


def _central_even_terms_cancel() -> str | None:
    """In J(x + h) - J(x - h), expanded to order seven for any smooth J, every term of even order in h
    cancels and every term of odd order stays."""
    x, h = sp.symbols("x h")
    J = sp.Function("J")
    expansion = sp.expand(sum(sp.diff(J(x), x, n) * (1 - (-1) ** n) * h**n / sp.factorial(n) for n in range(8)))
    orders = {term.as_coeff_exponent(h)[1] for term in sp.Add.make_args(expansion)}
    if orders != {1, 3, 5, 7}:
        return f"the central difference's terms have orders {sorted(orders)}, not the odd ones alone"
    return None


def _relative_error_above_one() -> str | None:
    """|a - b| / max(|a|, |b|) exceeds one only when a and b differ in sign: two numbers of one sign are,
    up to that sign and their order, a = M > 0 and b = M / (1 + u) with u >= 0, and then the relative
    error is u / (1 + u), below one."""
    big, u = sp.symbols("M u", positive=True)
    ratio = sp.simplify(sp.Abs(big - big / (1 + u)) / big)
    if sp.simplify(ratio - u / (1 + u)) != 0:
        return f"for numbers of one sign the relative error is {ratio}, not u / (1 + u)"
    if sp.simplify(1 - ratio).is_positive is not True:
        return f"{ratio} is not below one"
    return None


def _mean_gradient() -> str | None:
    """d/dw (S(w) / m) = S'(w) / m for any differentiable sum S and any m: the factor travels down."""
    w, m = sp.symbols("w m", positive=True)
    total = sp.Function("S")(w)
    return _zero(sp.diff(total / m, w) - sp.diff(total, w) / m, "the mean's gradient minus the sum's over m")


def _squared_error_mean_gradient() -> str | None:
    """d/da of (a - y)^2 / m is 2 (a - y) / m."""
    a, y, m = sp.symbols("a y m", positive=True)
    return _zero(sp.diff((a - y) ** 2 / m, a) - 2 * (a - y) / m, "the gradient minus 2(a - y)/m")


def _relu_off_slope_zero() -> str | None:
    """For z = -e^d < 0, the ReLU's slope is zero, and an error term g * slope is zero for any g."""
    z, d, g = sp.symbols("z d g", real=True)
    slope = sp.diff(sp.Piecewise((z, z > 0), (0, True)), z).subs(z, -sp.exp(d))
    return _zero(g * slope, "the error term of a ReLU that is off")


THEOREMS: dict[str, Theorem] = {
    t.name: t
    for t in (
        Theorem(
            "relative_error_at_most_two",
            r"The relative error $\lvert a - b\rvert / \max(\lvert a\rvert, \lvert b\rvert)$ of two "
            r"numbers not both zero is at most two, and equals two when $b = -a$.",
            _relative_error_at_most_two,
        ),
        Theorem(
            "central_difference_order_two",
            r"The central difference $(J(x + h) - J(x - h)) / 2h$ differs from $J'(x)$ by a term of "
            rf"order ${_power('h', DIFFERENCE_ORDERS['central_difference_order_two'])}$.",
            _difference_order((1, -1), 2, DIFFERENCE_ORDERS["central_difference_order_two"]),
        ),
        Theorem(
            "forward_difference_order_one",
            r"The forward difference $(J(x + h) - J(x)) / h$ differs from $J'(x)$ by a term of order "
            rf"${_power('h', DIFFERENCE_ORDERS['forward_difference_order_one'])}$.",
            _difference_order((1, 0), 1, DIFFERENCE_ORDERS["forward_difference_order_one"]),
        ),
        Theorem(
            "best_step_cube_root",
            r"A truncation error of order $h^{2}$ grows with the step and a round-off error of order "
            r"$\varepsilon / h$ shrinks with it; their sum is least for a step near the cube root of "
            r"$\varepsilon$, where both are of the order of $\varepsilon^{2/3}$.",
            _best_step,
        ),
        Theorem(
            "precision_against_thresholds",
            r"The best attainable relative error, $\varepsilon^{2/3}$, lies more than a thousand times "
            r"below the rule of thumb's first threshold in double precision ($\varepsilon = 2^{-52}$), "
            r"and above it in single precision ($\varepsilon = 2^{-23}$).",
            _precision_against_thresholds,
        ),
        Theorem(
            "sigmoid_cross_entropy_error",
            r"For a sigmoid output and the binary cross-entropy, the derivative of the loss with respect to "
            r"the logit is prediction minus target: $\sigma(z) - y$.",
            _sigmoid_cross_entropy_error,
        ),
        Theorem(
            "tanh_slope",
            r"The slope of $\tanh$ is one minus the activation squared: $\tanh'(z) = 1 - \tanh(z)^{2}$.",
            _tanh_slope,
        ),
        Theorem(
            "inversion_slope",
            r"The local derivative of an inversion $1/x$ is minus the square of its output: $-(1/x)^{2}$.",
            _inversion_slope,
        ),
        Theorem(
            "max_routes_to_the_larger",
            r"Of the two inputs of a max gate, the larger input passes its value on and receives the whole "
            r"gradient; the smaller receives nothing.",
            _max_routes_to_the_larger,
        ),
        Theorem(
            "softmax_own_up_others_down",
            r"Raising one pre-activation of a softmax raises its own probability and lowers all the others: "
            r"$\partial p_i / \partial z_i = p_i (1 - p_i) > 0$ and $\partial p_j / \partial z_i = -p_i p_j < 0$.",
            _softmax_own_up_others_down,
        ),
        Theorem(
            "step_against_the_gradient",
            r"Moving every weight a small step against its gradient lowers the loss: to first order in the "
            r"step $\eta$, by $\eta$ times the squared gradient.",
            _step_against_the_gradient,
        ),
        Theorem(
            "central_difference_even_terms_cancel",
            r"In $J(x + h) - J(x - h)$ the terms of even order cancel, and those of odd order stay.",
            _central_even_terms_cancel,
        ),
        Theorem(
            "relative_error_above_one_only_if_signs_differ",
            r"The relative error of two numbers exceeds one only when their signs differ.",
            _relative_error_above_one,
        ),
        Theorem(
            "mean_gradient_is_sum_over_m",
            r"The gradient of a loss averaged over $m$ examples is the gradient of the sum divided by $m$.",
            _mean_gradient,
        ),
        Theorem(
            "squared_error_mean_gradient",
            r"The gradient of the squared error averaged over a batch, with respect to an output activation, "
            r"is twice the difference to the target divided by the batch size: $2 (a - y) / m$.",
            _squared_error_mean_gradient,
        ),
        Theorem(
            "relu_off_slope_zero",
            r"Where a ReLU unit's pre-activation is negative, its slope is zero, and so is its error term.",
            _relu_off_slope_zero,
        ),
        Theorem(
            "xor_not_linearly_separable",
            r"No unit $\sigma(w_1 x_1 + w_2 x_2 + c)$ gives an output above one half at $(0, 1)$ and "
            r"$(1, 0)$ and not above one half at $(0, 0)$ and $(1, 1)$: the four margins combine to zero.",
            _xor_not_separable,
        ),
    )
}


# What the prose may quote of a statement: (theorem, term) -> LaTeX, built from the figures its proof uses.
TERMS: dict[tuple[str, str], str] = {
    ("best_step_cube_root", "least_error"): rf"\varepsilon^{{{LEAST_ERROR.p}/{LEAST_ERROR.q}}}",
    **{("precision_against_thresholds", which): rf"2^{{-{bits}}}" for which, bits in MANTISSA_BITS.items()},
    **{(name, "error"): _power(r"\step", order) for name, order in DIFFERENCE_ORDERS.items()},
}


def term(theorem: str, name: str) -> str:
    """The LaTeX of a figure that the statement ``theorem`` proves (``TERMS``); ``KeyError`` names the known ones."""
    if (theorem, name) not in TERMS:
        known = ", ".join(f"{t}/{n}" for t, n in TERMS)
        raise KeyError(f"no term {name!r} of theorem {theorem!r} (terms: {known})")
    return TERMS[(theorem, name)]


def prove(name: str) -> str | None:
    """Run the proof of theorem ``name``: what fails, or None."""
    return THEOREMS[name].proof()
