"""Exercise variants from a seed: a pure function of (chapter spec, exercise kind, seed).

Four kinds. ``compute``: one forward or backward number on a variant of the chapter's network
(its shape, activations and loss; new weights and one new example, with one or two decimals),
named ``variant_<seed>`` so that the core and the oracle each build it from the spec alone
(``ChapterSpec.network_spec``). ``derive``: a checked result of the chapter's catalogue module.
``shapes``: the shape of a gradient or of a product, in the notation's size macros. ``mistake``:
a ``wrong`` formula of the catalogue that binds to the chapter's network, at an instance where it
is visibly wrong (its counterexample and the true value differ in print).

The rules, each enforced here (a candidate that breaks one is passed over for the next seed):
numbers a person can work by hand; no ReLU-type unit at its kink; no parameter whose gradient
vanishes; no mistake shown against a gradient at a kink, nor one that a kink could hide; no
printed number at a rounding tie; every step of an answer reproducible from its printed operands;
an answer never equal in print to a number the question gives; answers that differ between the
questions of a chapter; a derive question states its setting's definitions when they are few (the
gate's ``g = u v``), and never asks for a left side that another setting of the chapter shares
unless those definitions say which is meant.
"""

from __future__ import annotations

import functools
import itertools
import random
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

from generator.exercises.arith import Floats
from generator.formulas import CHAPTER_OF, FORMULAS, Env, Formula, NumpyOps, bind, fill, lhs_quantity
from generator.formulas.language import Entry, Q
from generator.ledger import format_fixed
from generator.quantities import BY_NAME, Quantity, QuantityError
from generator.spec import EXERCISE_KINDS, VARIANT_PREFIX, ChapterSpec, SpecError, SpecText

KINKED = ("relu", "leaky_relu")
KINK_MARGIN = 0.05  # a ReLU-type unit's pre-activation stays at least this far from zero
TIE_MARGIN = 1e-6  # in units of the last printed place: no printed number this close to a tie
TRIES = 100  # seeds tried after the given one before a kind is declared impossible for a chapter
SEED_SPACING = 1000  # exercise i of a chapter starts from seed * SEED_SPACING + i * TRIES


class ExerciseError(ValueError):
    """No exercise of a kind can be made for a chapter (no formula to ask, no precision to print)."""


@dataclass(frozen=True)
class Term:
    """A step of an answer: the sum of the products ``terms`` gives ``result``."""

    terms: tuple[tuple[Quantity, ...], ...]
    result: Quantity


@dataclass(frozen=True)
class Exercise:
    """One exercise and what its answer prints; ``number`` counts from one in its chapter."""

    kind: str
    seed: int
    form: str
    number: int = 0
    network: str | None = None  # the variant of a compute exercise
    asks: Quantity | None = None  # the number asked (compute) or the true value (mistake)
    given: tuple[tuple[str, str | None], ...] = ()  # (call, layer): whole vectors and matrices the question prints
    path: tuple[tuple[str, str | None], ...] = ()  # whole vectors the answer prints on the way
    steps: tuple[Term, ...] = ()
    formula: str | None = None  # derive: the result; mistake: the wrong formula
    layer: str | None = None
    index: tuple[int, ...] = ()
    below: str | None = None  # shapes: the layer below (None: the inputs)

    @property
    def answer(self) -> tuple:
        """What identifies the answer, to keep answers apart within a chapter."""
        return (self.kind, self.form, self.formula, self.layer, self.index, self.asks and self.asks.kind)


# ----------------------------------------------------------------------------- helpers


def _places(spec: ChapterSpec, kind: str, layer: str | None) -> int | None:
    return spec.decimals(kind, layer)


def _rounded(value: float | Decimal, places: int) -> Decimal:
    return Decimal(format_fixed(value, places))


def _near_tie(value: float, places: int) -> bool:
    """Whether ``value`` lies so close to a tie of rounding at ``places`` that two implementations
    could print it differently (not a number counts as one)."""
    if not np.isfinite(value):
        return True
    scaled = abs(value) * 10**places
    return abs(scaled - int(scaled) - 0.5) < TIE_MARGIN


def ref(q: Quantity) -> str:
    """The quantity in the step language, with its network: ``z[hid,1,network=variant_7]``."""
    args = ([q.layer] if q.layer is not None else []) + [str(i) for i in q.index]
    if q.network is not None:
        args.append(f"network={q.network}")
    return f"{BY_NAME[q.kind].call}[{','.join(args)}]"


def step_text(term: Term) -> str:
    return " + ".join(" * ".join(ref(q) for q in product) for product in term.terms) + " = " + ref(term.result)


def _network_words(spec: ChapterSpec) -> frozenset[str]:
    return frozenset({layer.activation for layer in spec.layers} | {spec.loss})


# ----------------------------------------------------------------------------- variants


def _draw(rng: random.Random, places: int, low: float, high: float, zero: bool = False) -> Decimal:
    """A number with at most ``places`` decimals (a multiple of 0.05, 0.1 or 1) between low and high."""
    unit = Decimal("0.05") if places >= 2 else (Decimal("0.1") if places == 1 else Decimal(1))
    choices = [unit * i for i in range(int(Decimal(str(low)) / unit), int(Decimal(str(high)) / unit) + 1)]
    choices = [c for c in choices if zero or c != 0]
    return rng.choice(choices).normalize() + 0  # + 0 drops a negative zero


def _targets(spec: ChapterSpec, rng: random.Random) -> tuple[Decimal, ...]:
    size = spec.layers[-1].size
    places = _places(spec, "target", None)
    if spec.loss == "softmax_ce":
        hot = rng.randrange(size)
        return tuple(Decimal(int(k == hot)) for k in range(size))
    if spec.loss == "bce" or not places:
        return tuple(Decimal(rng.randrange(2)) for _ in range(size))
    return tuple(_draw(rng, min(places, 1), 0, 1, zero=True) for _ in range(size))


def variant_spec(spec: ChapterSpec, seed: int) -> ChapterSpec:
    """The chapter's network with weights, biases and one example drawn from ``seed`` (not screened)."""
    rng = random.Random(seed)
    layers = []
    for layer in spec.layers:
        places = min(_places(spec, "weight", layer.name) or 2, 2)
        weights = tuple(tuple(_draw(rng, places, -1.5, 1.5) for _ in row) for row in layer.weights)
        biases = None
        bias_places = _places(spec, "bias", layer.name)
        if layer.biases is not None and bias_places is not None:
            biases = tuple(_draw(rng, min(bias_places, 2), -0.5, 0.5) for _ in layer.biases)
        layers.append(replace(layer, weights=weights, biases=biases))
    input_places = min(_places(spec, "input", None) or 0, 1)
    inputs = (tuple(_draw(rng, input_places, -2, 2) for _ in range(spec.input_size)),)
    return replace(
        spec,
        name=f"{VARIANT_PREFIX}{seed}",
        title=SpecText(spec.title),
        layers=tuple(layers),
        inputs=inputs,
        targets=(_targets(spec, rng),),
        check_networks=(),
        exercises=None,
    )


def _screen_network(variant: ChapterSpec, floats: Floats) -> str | None:
    """Why a variant network is unfit (a unit at a kink, a vanishing gradient), or None."""
    for (n, _, k), z in floats.z.items():
        if variant.layers[n - 1].activation in KINKED and abs(z) < KINK_MARGIN:
            return f"unit {k} of layer {variant.layers[n - 1].name} is at its kink"
    for q, g in floats.parameter_gradients():
        places = _places(variant, q.kind, q.layer) or 4
        if abs(g) < 10.0**-places:
            return f"{q} vanishes in print"
    return None


# Caches keyed by a spec's text (a spec holds a dict, so it is not hashable): pure functions, memoised.
_VARIANTS: dict[tuple[str, int], tuple[ChapterSpec, Floats, str | None]] = {}
_CHAPTERS: dict[str, tuple[Exercise, ...]] = {}


def _cached_variant(spec: ChapterSpec, seed: int) -> tuple[ChapterSpec, Floats, str | None]:
    """The variant of ``seed``, its float values and why it is unfit (None if it is fit)."""
    key = (repr(spec), seed)
    if key not in _VARIANTS:
        variant = variant_spec(spec, seed)
        floats = Floats(variant)
        _VARIANTS[key] = (variant, floats, _screen_network(variant, floats))
    return _VARIANTS[key]


def variant_network(spec: ChapterSpec, name: str) -> ChapterSpec:
    """The variant network called ``variant_<seed>`` of the chapter ``spec``: built from the spec's
    data and the seed alone, the same for the core and for the oracle."""
    seed_text = name.removeprefix(VARIANT_PREFIX)
    if not seed_text.isdigit():
        raise QuantityError(f"{name!r} is not a variant network (variant_<seed>)")
    return variant_spec(spec, int(seed_text))


# ----------------------------------------------------------------------------- compute


def _forms(spec: ChapterSpec) -> list[str]:
    """The compute forms whose numbers the chapter's precision can print."""
    out = spec.layers[-1].name
    has = functools.partial(_places, spec)
    forms = []
    if has("preactivation", out) is not None or has("activation", out) is not None:
        forms.append("forward")
    if has("error", out) is not None and has("weight_gradient", out) is not None:
        forms.append("output_weight")
    if len(spec.layers) >= 2:
        below = spec.layers[-2].name
        needs = ("activation_gradient", "error", "weight_gradient")
        if all(has(k, below) is not None for k in needs) and has("error", out) is not None:
            forms.append("hidden_weight")
    return forms


def _compute(spec: ChapterSpec, seed: int) -> Exercise:
    forms = _forms(spec)
    if not forms:
        raise ExerciseError("its precision prints no forward or backward number of a layer")
    for attempt in range(TRIES):
        candidate = _try_compute(spec, seed + attempt, forms)
        if candidate is not None:
            return candidate
    raise ExerciseError(f"no variant from seed {seed} on passes the rules within {TRIES} tries")


def _try_compute(spec: ChapterSpec, seed: int, forms: list[str]) -> Exercise | None:
    variant, floats, unfit = _cached_variant(spec, seed)
    if unfit is not None:
        return None
    rng = random.Random(seed * 7 + 1)
    name = variant.name
    form = rng.choice(forms)
    layers = variant.layers
    out = layers[-1]

    def q(kind: str, layer: str | None, *index: int) -> Quantity:
        return Quantity(kind, layer, 1 if BY_NAME[kind].per_example else None, index, None, name)

    def below_value(n: int, t: int) -> Quantity:
        return q("input", None, t) if n == 0 else q("activation", layers[n - 1].name, t)

    given: list[tuple[str, str | None]] = [("x", None)]
    for layer in layers:
        given.append(("W", layer.name))
        if layer.biases is not None:
            given.append(("b", layer.name))
    path: list[tuple[str, str | None]] = []
    for layer in layers:
        for call, kind in (("z", "preactivation"), ("a", "activation")):
            if _places(variant, kind, layer.name) is not None and not (call == "a" and layer.activation == "identity"):
                path.append((call, layer.name))
    steps: list[Term] = []
    n_out = len(layers)
    first = layers[0]
    k = rng.randrange(1, first.size + 1)
    products: tuple[tuple[Quantity, ...], ...] = tuple(
        (q("weight", first.name, k, t), q("input", None, t)) for t in range(1, variant.input_size + 1)
    )
    if first.biases is not None:
        products += ((q("bias", first.name, k),),)
    if _places(variant, "preactivation", first.name) is not None:
        steps.append(Term(products, q("preactivation", first.name, k)))
    if form == "forward":
        k = rng.randrange(1, out.size + 1)
        kind = "activation" if _places(variant, "activation", out.name) is not None else "preactivation"
        if out.activation == "identity":
            kind = "preactivation"
        asks = q(kind, out.name, k)
        path = [p for p in path if p != ({"preactivation": "z", "activation": "a"}[kind], out.name)]
    else:
        given.append(("y", None))
        path.append(("delta", out.name))
        if form == "output_weight":
            k, t = rng.randrange(1, out.size + 1), rng.randrange(1, len(out.weights[0]) + 1)
            asks = q("weight_gradient", out.name, k, t)
            steps.append(Term(((q("error", out.name, k), below_value(n_out - 1, t)),), asks))
        else:
            hid = layers[-2]
            k, t = rng.randrange(1, hid.size + 1), rng.randrange(1, len(hid.weights[0]) + 1)
            asks = q("weight_gradient", hid.name, k, t)
            dA = q("activation_gradient", hid.name, k)
            steps.append(
                Term(tuple((q("weight", out.name, j, k), q("error", out.name, j)) for j in range(1, out.size + 1)), dA)
            )
            path.append(("delta", hid.name))
            steps.append(Term(((q("error", hid.name, k), below_value(n_out - 2, t)),), asks))
    exercise = Exercise(
        "compute", seed, form, network=name, asks=asks, given=tuple(given), path=tuple(path), steps=tuple(steps)
    )
    return exercise if _compute_fits(variant, floats, exercise) else None


def _printed_quantities(variant: ChapterSpec, exercise: Exercise) -> list[Quantity]:
    found = []
    for call, layer in (*exercise.given, *exercise.path):
        kind = _kind_of(call)
        found += _entries(variant, kind, layer, exercise.network)
    for term in exercise.steps:
        found += [q for product in term.terms for q in product] + [term.result]
    assert exercise.asks is not None
    return [*found, exercise.asks]


def _kind_of(call: str) -> str:
    return next(kind.name for kind in BY_NAME.values() if kind.call == call)


def _entries(spec: ChapterSpec, kind: str, layer: str | None, network: str | None) -> list[Quantity]:
    example = 1 if BY_NAME[kind].per_example else None
    if kind == "weight":
        weights = spec.layers[spec.layer_number(layer or "") - 1].weights
        return [
            Quantity(kind, layer, None, (k, t), None, network)
            for k in range(1, len(weights) + 1)
            for t in range(1, len(weights[0]) + 1)
        ]
    size = (
        spec.layers[spec.layer_number(layer) - 1].size
        if layer is not None
        else (spec.input_size if kind == "input" else spec.layers[-1].size)
    )
    return [Quantity(kind, layer, example, (k,), None, network) for k in range(1, size + 1)]


def _compute_fits(variant: ChapterSpec, floats: Floats, exercise: Exercise) -> bool:
    """The rules of a compute exercise: printed numbers off ties, steps that reproduce, an answer
    that no given number equals in print."""
    for q in _printed_quantities(variant, exercise):
        places = _places(variant, q.kind, q.layer)
        if places is None or _near_tie(floats.value(q), places):
            return False
    for term in exercise.steps:
        total = sum(
            (
                functools.reduce(
                    lambda x, y: x * y,
                    (_rounded(floats.value(q), _places(variant, q.kind, q.layer) or 0) for q in product),
                    Decimal(1),
                )
                for product in term.terms
            ),
            Decimal(0),
        )
        places = _places(variant, term.result.kind, term.result.layer) or 0
        if _near_tie(float(total), places) or _rounded(total, places) != _rounded(floats.value(term.result), places):
            return False
    assert exercise.asks is not None
    places = _places(variant, exercise.asks.kind, exercise.asks.layer) or 0
    answer = _rounded(floats.value(exercise.asks), places)
    if answer == 0:
        return False
    for call, layer in exercise.given:
        for q in _entries(variant, _kind_of(call), layer, exercise.network):
            if abs(Decimal(str(floats.value(q))) - answer) < Decimal(1).scaleb(-places):
                return False
    return True


# ----------------------------------------------------------------------------- derive


def _shares_its_left_side(name: str) -> bool:
    """Whether a result of another model of the same chapter has the same left side (the add, multiply
    and max gates' ``df_du``, say): a question that gives only the left side would not say which is
    meant. Two results of one model with one left side are one quantity, proved equal: either answers."""
    formula = FORMULAS[name]
    lhs = formula.lhs.tex(formula.model.symbols)
    return any(
        candidate.model is not formula.model
        and CHAPTER_OF[other] == CHAPTER_OF[name]
        and candidate.kind == "result"
        and candidate.lhs.tex(candidate.model.symbols) == lhs
        for other, candidate in FORMULAS.items()
    )


def _definitions(name: str) -> list[str]:
    """The definitions of a result's model; an entry-wise one is left out where another defines the
    whole quantity (``y = W x + b`` says all that ``y_r = ...`` does)."""
    model = FORMULAS[name].model
    definitions = [n for n, formula in FORMULAS.items() if formula.kind == "definition" and formula.model is model]
    sides = {n: FORMULAS[n].lhs for n in definitions}
    whole = {lhs.name for lhs in sides.values() if isinstance(lhs, Q)}
    return [n for n, lhs in sides.items() if not (isinstance(lhs, Entry) and lhs.name in whole)]


def _other_settings_share_its_letters(name: str) -> bool:
    """Whether another model of the same chapter also has the quantity the result's left side names
    (the add, multiply and max gates all have ``u``, ``v`` and ``f``): then only the result's own
    definitions say which setting a question means."""
    formula = FORMULAS[name]
    quantity = getattr(formula.lhs, "name", None)
    return quantity is not None and any(
        other.model is not formula.model and CHAPTER_OF[key] == CHAPTER_OF[name] and quantity in other.model.symbols
        for key, other in FORMULAS.items()
    )


# A model defined by this many formulas or fewer is stated with a derive question (a gate's g = u v,
# a linear layer's y = W x + b); one with more is a network, its forward pass and loss, too long for a
# question, which names it by its chapter instead.
GIVENS_AT_MOST = 2


def derive_givens(name: str) -> list[str]:
    """The definitions a derive exercise states with its question: its model's, when another setting of
    the chapter shares the letters of its left side and the definitions are few. Only ``g = u v`` says
    that ``df_du`` is the multiply gate's and not the add gate's."""
    definitions = _definitions(name)
    if not _other_settings_share_its_letters(name) or len(definitions) > GIVENS_AT_MOST:
        return []
    return definitions


def _ambiguous(name: str) -> bool:
    """Whether a derive question of this result could mean another: its left side is another result's
    of the chapter, and no stated definition says which is meant."""
    return _shares_its_left_side(name) and not derive_givens(name)


def derive_candidates(spec: ChapterSpec) -> list[str]:
    """The results a derive exercise of the chapter may ask for: each holds for its network, and its
    question, with its givens, names one result."""
    words = _network_words(spec)
    return [
        name
        for name, formula in FORMULAS.items()
        if CHAPTER_OF[name] == spec.name
        and formula.kind == "result"
        and formula.requires <= words
        and not _ambiguous(name)
    ]


def _derive(spec: ChapterSpec, seed: int, taken: set[str], named: str | None = None) -> Exercise:
    if named is not None:
        if named not in FORMULAS or FORMULAS[named].kind != "result":
            raise ExerciseError(f"{named!r} is not a checked result of the catalogue")
        if not FORMULAS[named].requires <= _network_words(spec):
            raise ExerciseError(f"{named!r} holds for a network this chapter's is not")
        if _ambiguous(named):
            raise ExerciseError(f"{named!r}: its left side is another result's too, and no definition says which")
        return Exercise("derive", seed, "formula", formula=named)
    candidates = [name for name in derive_candidates(spec) if name not in taken]
    if not candidates:
        raise ExerciseError("the chapter's catalogue module has no further checked result to ask for")
    return Exercise("derive", seed, "formula", formula=random.Random(seed).choice(sorted(candidates)))


# ----------------------------------------------------------------------------- shapes


def shape_options(spec: ChapterSpec, seed: int = 0) -> list[Exercise]:
    """Every shapes exercise of the chapter's network."""
    options = []
    for n, layer in enumerate(spec.layers):
        below = spec.layers[n - 1].name if n > 0 else None
        options += [
            Exercise("shapes", seed, "weight_gradient", layer=layer.name, below=below),
            Exercise("shapes", seed, "error_batch", layer=layer.name, below=below),
            Exercise("shapes", seed, "product", layer=layer.name, below=below),
        ]
    return options


def _shapes(spec: ChapterSpec, seed: int, taken: set[tuple]) -> Exercise:
    options = [o for o in shape_options(spec, seed) if _shape_key(o) not in taken]
    if not options:
        raise ExerciseError("every shape of the network is asked already")
    return random.Random(seed).choice(options)


def _shape_key(exercise: Exercise) -> tuple:
    """The shape an answer gives, as sizes (rows, columns) in the book's orientation."""
    rows, columns = {
        "weight_gradient": (exercise.layer, exercise.below or "(inputs)"),
        "error_batch": ("(batch)", exercise.layer),
        "product": ("(batch)", exercise.below or "(inputs)"),
    }[exercise.form]
    return rows, columns


# ----------------------------------------------------------------------------- mistakes


def mistake_candidates(spec: ChapterSpec) -> list[str]:
    words = _network_words(spec)
    return sorted(
        name
        for name, formula in FORMULAS.items()
        if formula.kind == "wrong" and formula.requires <= words and isinstance(formula.lhs, (Q, Entry))
    )


def _mistake(spec: ChapterSpec, seed: int, taken: set[str], floats: Floats) -> Exercise:
    rng = random.Random(seed)
    names = [n for n in mistake_candidates(spec) if n not in taken]
    rng.shuffle(names)
    for name in names:
        found = _mistake_instance(spec, name, floats, rng)
        if found is not None:
            return found
    raise ExerciseError(
        "no wrong formula of the catalogue binds to this chapter's network with a visible error, its claim"
        " printed to the places of the quantity it claims (precision.formula)"
    )


def _mistake_instance(spec: ChapterSpec, name: str, floats: Floats, rng: random.Random) -> Exercise | None:
    formula = FORMULAS[name]
    places = _places(spec, "formula", None)
    if places is None:
        return None
    for layer in reversed(spec.layers):
        try:
            binding = bind(formula.model.name, spec, layer.name, 1)
        except (QuantityError, IndexError, KeyError):
            continue
        lhs = formula.lhs
        if not isinstance(lhs, (Q, Entry)) or lhs.name not in binding or isinstance(binding[lhs.name], int):
            continue
        try:
            values = fill(binding, floats.value, lambda rows: np.array(rows, dtype=np.float64))
        except (ValueError, KeyError, IndexError):
            continue
        # The same values with every derivative taken from one side, then the other: where the claim
        # reads a derivative at a kink (the book's is one side's), it must be wrong on both sides.
        sides = [
            fill(binding, functools.partial(floats.one_sided, side=side), lambda rows: np.array(rows, dtype=np.float64))
            for side in (1, -1)
        ]
        ranges = [range(1, int(binding.get(size, 0)) + 1) for size in formula.free.values()]
        instances = list(itertools.product(*ranges))
        rng.shuffle(instances)
        for index in instances:
            if formula.indices == "distinct" and len(index) >= 2 and index[0] == index[1]:
                continue
            truth = lhs_quantity(binding, lhs, formula.free, index)
            # The claim and the truth are printed side by side: to the same places, or they do not
            # read as two values of one quantity (0.0000 against 0.390131).
            if truth is None or _places(spec, truth.kind, truth.layer) != places:
                continue
            env_index = dict(zip(formula.free, (i - 1 for i in index), strict=True))
            try:
                claimed, right, left = (_claim(formula, given, env_index) for given in (values, *sides))
            except (IndexError, ValueError, KeyError, ZeroDivisionError):
                continue
            if floats.at_a_kink(truth):
                continue
            true = floats.value(truth)
            if not (np.isfinite(claimed) and np.isfinite(true)):
                continue
            if _near_tie(claimed, places) or _near_tie(true, places):
                continue
            # Visibly wrong whichever side's derivative the book takes at a kink the claim reads.
            if min(abs(c - true) for c in (claimed, right, left)) < 2 * 10.0**-places:
                continue
            return Exercise("mistake", 0, "instance", formula=name, layer=layer.name, index=tuple(index), asks=truth)
    return None


def _claim(formula: Formula, values: dict, env_index: dict[str, int]) -> float:
    """What a wrong formula claims at one instance, from float values (NaN when it is not a number)."""
    with np.errstate(all="ignore"):  # a claim that is not a number is passed over by the caller
        claimed = formula.chain[-1].evaluate(Env(NumpyOps(), values, {"log": np.log, "exp": np.exp}), env_index)
    return float(np.asarray(claimed).reshape(-1)[0])


# ----------------------------------------------------------------------------- entrance


def generate(spec: ChapterSpec, kind: str, seed: int) -> Exercise:
    """One exercise of ``kind`` for the chapter ``spec`` from ``seed``: the same every time."""
    if kind == "compute":
        return _compute(spec, seed)
    if kind == "derive":
        return _derive(spec, seed, set())
    if kind == "shapes":
        return _shapes(spec, seed, set())
    if kind == "mistake":
        return _mistake(spec, seed, set(), Floats(spec))
    raise ExerciseError(f"no exercise kind {kind!r} (kinds: {', '.join(EXERCISE_KINDS)})")


def next_exercise(spec: ChapterSpec, kind: str, seed: int, made: list[Exercise], named: str | None = None) -> Exercise:
    """An exercise of ``kind`` from ``seed`` that differs from those ``made`` before it (of the same
    chapter, in one chapter or on one student's sheet): another formula, another shape, another
    answer. ``named`` asks for a given formula (derive)."""
    if kind == "compute":
        return _compute_distinct(spec, seed, made)
    if kind == "derive":
        return _derive(spec, seed, {e.formula or "" for e in made}, named)
    if kind == "shapes":
        return _shapes(spec, seed, {_shape_key(e) for e in made if e.kind == "shapes"})
    if kind == "mistake":
        return _mistake(spec, seed, {e.formula or "" for e in made}, _chapter_floats(spec))
    raise ExerciseError(f"no exercise kind {kind!r} (kinds: {', '.join(EXERCISE_KINDS)})")


_FLOATS: dict[str, Floats] = {}


def _chapter_floats(spec: ChapterSpec) -> Floats:
    key = repr(spec)
    if key not in _FLOATS:
        _FLOATS[key] = Floats(spec)
    return _FLOATS[key]


def _chapter(spec: ChapterSpec) -> tuple[Exercise, ...]:
    settings = spec.exercises
    assert settings is not None
    made: list[Exercise] = []
    number = 0
    for kind, count, named in settings.plan:
        for i in range(count):
            number += 1
            seed = settings.seed * SEED_SPACING + number * TRIES
            try:
                exercise = next_exercise(spec, kind, seed, made, named[i] if named else None)
            except ExerciseError as error:
                raise SpecError(spec.path, f"exercises.{kind}", f"exercise {number}: {error}") from None
            made.append(replace(exercise, number=number))
    return tuple(made)


def answer_text(spec: ChapterSpec, exercise: Exercise) -> str:
    """The printed answer of a compute exercise (the generator's floats, off any rounding tie)."""
    assert exercise.asks is not None and exercise.network is not None
    variant, floats, _ = _cached_variant(spec, exercise.seed)
    places = _places(variant, exercise.asks.kind, exercise.asks.layer) or 0
    return format_fixed(floats.value(exercise.asks), places)


def _compute_distinct(spec: ChapterSpec, seed: int, made: list[Exercise]) -> Exercise:
    """A compute exercise whose answer differs in print from the chapter's earlier answers."""
    earlier = []
    for e in made:
        if e.kind == "compute" and e.asks is not None and e.network is not None:
            variant, floats, _ = _cached_variant(spec, int(e.network.removeprefix(VARIANT_PREFIX)))
            earlier.append(_rounded(floats.value(e.asks), _places(variant, e.asks.kind, e.asks.layer) or 0))
    for attempt in range(TRIES):
        exercise = _compute(spec, seed + attempt)
        assert exercise.asks is not None and exercise.network is not None
        variant, floats, _ = _cached_variant(spec, exercise.seed)
        value = _rounded(floats.value(exercise.asks), _places(variant, exercise.asks.kind, exercise.asks.layer) or 0)
        used = {e.form for e in made if e.kind == "compute"}
        fresh = exercise.form not in used or len(used) >= len(_forms(spec))
        if value not in earlier and fresh:
            return exercise
    raise ExerciseError("no variant gives an answer that differs from the chapter's other answers")


def chapter_exercises(spec: ChapterSpec) -> tuple[Exercise, ...]:
    """The exercises of a chapter, numbered from one, from its ``[exercises]`` table (none without it).

    Raises ``SpecError`` (the field of the table) when a kind cannot be made for the chapter.
    """
    if spec.exercises is None:
        return ()
    key = repr(spec)
    if key not in _CHAPTERS:
        _CHAPTERS[key] = _chapter(spec)
    return _CHAPTERS[key]
