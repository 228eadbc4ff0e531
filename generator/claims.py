"""Claims in prose about computed values (invariant 10).

A template does not type "too large" or "nearly cancel": it asks ``claim.off_target("a[out,1]")``
and the words come from the values. Each kind of claim is a rule from values to words, written
once here. The words are chosen from the core's values when the chapter is rendered, and chosen
again from the oracle's exact values when it is verified: the build fails if the two differ, or
if a template insists on words (``says="..."``) that the values do not give. Quantities are
named in the step language (``generator.steps``): ``dA[out,1]``, ``z[hid,2,e=3]``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from generator import gradcheck, provenance
from generator.ledger import NUMBER_WORDS
from generator.quantities import Quantity
from generator.steps import Node, Ref, StepSyntaxError, evaluate, parse_expression, refs, source
from generator.tex import Tex
from generator.theorems import THEOREMS

Values = Sequence[Decimal]


def about_key(said: Said) -> str:
    """A claim's words and what they speak of, as a role mark's key: each quantity with its kind, network
    and (a unit's or a parameter's, in a layer) index."""
    about = [
        {"quantity": str(q), "kind": q.kind, "network": q.network, "index": list(q.index) if q.layer else []}
        for q in said.about
    ]
    return json.dumps({"words": str(said), "about": about})


# Where a clause starts: after a full stop, question or exclamation mark or a semicolon and a space,
# a blank line, a heading.
_CLAUSE_START = re.compile(r"[.?!;]\s|\n\s*\n|\\(?:paragraph|section|subsection)\*?\{[^{}]*\}")


def referent_problems(text: str, roles: list[provenance.Role]) -> list[provenance.Problem]:
    """Each claim whose clause, before its words, shows values of a kind the claim speaks of, none of
    them the claim's own: "the second receives $z_2 = 1.2$ and sits on its kink", said of z_1."""
    values = [(mark.position, json.loads(mark.key)) for mark in roles if mark.name in provenance.VALUES]
    out = []
    for mark in roles:
        if mark.name != provenance.CLAIM:
            continue
        start = max((m.end() for m in _CLAUSE_START.finditer(text, 0, mark.position)), default=0)
        shown = [key for position, key in values if start <= position < mark.position]
        claim = json.loads(mark.key)
        for about in claim["about"]:
            same_kind = [key for key in shown if key["kind"] == about["kind"] and key["network"] == about["network"]]
            if same_kind and all(key["quantity"] != about["quantity"] for key in same_kind):
                others = ", ".join(dict.fromkeys(key["quantity"] for key in same_kind))
                out.append(
                    provenance.Problem(
                        mark.position,
                        f"the claim '{claim['words']}' speaks of {about['quantity']}, but its clause shows {others}",
                    )
                )
    return out


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
# An ordinal that counts something other than a unit or a parameter: a layer, an example, a place...
_NOT_A_UNIT = (
    r"(?:hidden\s+)?layers?|examples?|decimal|places?|steps?|terms?|order|chapters?|sections?|formulas?|"
    r"equations?|derivatives?|columns?|rows?|passes|pass|evaluations?|factors?|exercises?|sums?|products?"
)
_ORDINAL = re.compile(rf"\b({'|'.join(_ORDINALS)})\b(?!\s+(?:{_NOT_A_UNIT})\b)", re.I)


def ordinal_problems(text: str, roles: list[provenance.Role]) -> list[provenance.Problem]:
    """Each claim that an ordinal names ("the first output is too large", "the silenced second neuron")
    while none of its quantities has that index: the words would be about another unit."""
    out = []
    for mark in roles:
        if mark.name != provenance.CLAIM:
            continue
        claim = json.loads(mark.key)
        indices = [set(about["index"]) for about in claim["about"] if about["index"]]
        if not indices:
            continue
        start = max((m.end() for m in _CLAUSE_START.finditer(text, 0, mark.position)), default=0)
        before = list(_ORDINAL.finditer(text, start, mark.position))
        end = mark.position + len(claim["words"])
        after = re.match(r"\s+(?:hidden\s+)?", text[end:])
        following = _ORDINAL.match(text, end + (after.end() if after else 0))
        named = following or (before[-1] if before else None)
        if named is None:
            continue
        n = _ORDINALS.index(named.group(1).lower()) + 1
        if not any(n in index for index in indices):
            quantities = ", ".join(about["quantity"] for about in claim["about"] if about["index"])
            out.append(
                provenance.Problem(
                    mark.position, f"the claim '{claim['words']}' follows '{named.group(1)}' but speaks of {quantities}"
                )
            )
    return out


_UNIT_ORDINAL = re.compile(
    rf"\b({'|'.join(_ORDINALS)})\s+(?:hidden\s+|output\s+)?(?:units?|neurons?|outputs?|weights?|inputs?|class(?:es)?)\b",
    re.I,
)


def value_ordinal_problems(text: str, roles: list[provenance.Role]) -> list[provenance.Problem]:
    """The first value printed after "the second output weight" (or unit, neuron, input, class) in its
    clause, the clause's only such ordinal, must have that number among its indices: the step below
    the words is read as theirs."""
    values = [(mark.position, json.loads(mark.key)) for mark in roles if mark.name in provenance.VALUES]
    out = []
    for named in _UNIT_ORDINAL.finditer(text):
        start = max((m.end() for m in _CLAUSE_START.finditer(text, 0, named.start())), default=0)
        end = min((m.start() for m in _CLAUSE_START.finditer(text, named.end())), default=len(text))
        if len(_UNIT_ORDINAL.findall(text, start, end)) > 1:
            continue  # "the weight from the second hidden unit to the first output": which value is whose?
        following = [(position, key) for position, key in values if named.end() <= position < end and key.get("index")]
        if not following:
            continue
        position, key = following[0]
        n = _ORDINALS.index(named.group(1).lower()) + 1
        if n not in key["index"]:
            out.append(
                provenance.Problem(
                    position, f"{key['quantity']} is printed after '{named.group()}', but it is not that one's"
                )
            )
    return out


_SENTENCE = re.compile(r"[.?!]\s|\n\s*\n|\\(?:paragraph|section|subsection)\*?\{[^{}]*\}")
_LAYER_OF = re.compile(r"\[([^\]]+)\]")


def _units(claim: dict) -> dict[str, set[int]]:
    """The units a claim speaks of, by layer: {"None:hid": {2}} (a weight's unit is the one it feeds)."""
    units: dict[str, set[int]] = {}
    for about in claim["about"]:
        layer = _LAYER_OF.search(about["quantity"])
        if layer is not None and about["index"]:
            units.setdefault(f"{about['network']}:{layer.group(1)}", set()).add(about["index"][0])
    return units


def unit_switch_problems(text: str, roles: list[provenance.Role]) -> list[provenance.Problem]:
    """Each claim that, in the sentence of an earlier claim about one unit of a layer, speaks of another
    unit of that layer while nothing between them names one (an ordinal, a value of the layer): "the
    weights from the silenced second neuron ... multiply an activation that is zero", said of the first."""
    values = [(mark.position, json.loads(mark.key)) for mark in roles if mark.name in provenance.VALUES]
    claims = [(mark.position, json.loads(mark.key)) for mark in roles if mark.name == provenance.CLAIM]
    out = []
    for (before, earlier), (at, claim) in zip(claims, claims[1:], strict=False):
        end = before + len(earlier["words"])
        if _SENTENCE.search(text, end, at):
            continue
        was, now = _units(earlier), _units(claim)
        for layer in was.keys() & now.keys():
            if now[layer] & was[layer]:
                continue
            named = _ORDINAL.search(text, end, at) or any(
                end <= position < at and _LAYER_OF.search(key["quantity"]) is not None for position, key in values
            )
            if not named:
                quantities = ", ".join(about["quantity"] for about in claim["about"] if about["index"])
                out.append(
                    provenance.Problem(
                        at,
                        f"the claim '{claim['words']}' speaks of {quantities}, but the sentence's claim "
                        f"'{earlier['words']}' before it is about another unit and nothing between them names this one",
                    )
                )
    return out


_EXAMPLE_ORDINAL = re.compile(rf"\b({'|'.join(_ORDINALS)})\s+example\b", re.I)


def example_ordinal_problems(text: str, roles: list[provenance.Role]) -> list[provenance.Problem]:
    """Each value printed for one example after "the second example" (the nearest such words in its
    clause) that is another example's: the step or the entry would be read as that example's."""
    out = []
    for mark in roles:
        if mark.name not in provenance.VALUES:
            continue
        key = json.loads(mark.key)
        if key.get("example") is None:
            continue
        start = max((m.end() for m in _CLAUSE_START.finditer(text, 0, mark.position)), default=0)
        named = list(_EXAMPLE_ORDINAL.finditer(text, start, mark.position))
        if not named:
            continue
        n = _ORDINALS.index(named[-1].group(1).lower()) + 1
        if key["example"] != n:
            out.append(
                provenance.Problem(
                    mark.position,
                    f"{key['quantity']} is printed after '{named[-1].group()}', but it is example {key['example']}'s",
                )
            )
    return out


class Said(str):
    """A claim's words as the template receives them: compared as the words they are, printed with a
    mark naming the quantities they speak of (``about``), so that the page can be read for what they
    refer to (``referent_problems``)."""

    about: tuple[Quantity, ...] = ()

    def __new__(cls, words: str, about: tuple[Quantity, ...]) -> Said:
        said = super().__new__(cls, words)
        said.about = about
        return said


def _sign(values: Values) -> str:
    (v,) = values
    return "positive" if v > 0 else "negative" if v < 0 else "zero"


def _off_target(values: Values) -> str:
    output, target = values
    return "too large" if output > target else "too small" if output < target else "on target"


def _pushed(values: Values) -> str:
    (gradient,) = values  # gradient descent moves against the gradient
    return "pushed down" if gradient > 0 else "pushed up" if gradient < 0 else "left where it is"


# Two terms "nearly cancel" when their sum is less than a quarter of the larger one (and is not zero:
# terms whose sum is exactly zero "cancel exactly").
NEARLY = Decimal(1) / 4


def _cancel(values: Values) -> str:
    total, largest = sum(values, Decimal(0)), max(abs(v) for v in values)
    if all(v >= 0 for v in values) or all(v <= 0 for v in values):
        return "add up"
    if total == 0:
        return "cancel exactly"
    return "nearly cancel" if abs(total) < NEARLY * largest else "partly cancel"


def _zero(values: Values) -> str:
    (v,) = values
    return "is zero" if v == 0 else "is not zero"


def _compare(values: Values) -> str:
    first, second = values
    return "larger than" if first > second else "smaller than" if first < second else "equal to"


def _relu_unit(values: Values) -> str:
    (pre_activation,) = values  # a ReLU unit: zero and slope zero at or below its kink
    return "silenced" if pre_activation <= 0 else "active"


# A fraction or a multiple a claim names in words: its words come from the number the claim is checked
# with, so "a tenth" cannot stand beside a comparison with a hundredth.
FRACTIONS = {2: "a half", 3: "a third", 4: "a quarter", 5: "a fifth", 10: "a tenth", 100: "a hundredth"}
MULTIPLES = {2: "twice", 3: "three times", 4: "four times", 5: "five times", 10: "ten times"}


def _fraction(values: Values) -> str:
    part, whole, denominator = values
    words = FRACTIONS[int(denominator)]
    relation = _compare((part * denominator, whole))
    return f"{relation} {words} of" if relation != "equal to" else f"exactly {words} of"


def _multiple(values: Values) -> str:
    first, second, factor = values
    words = MULTIPLES[int(factor)]
    relation = _compare((first, second * factor))
    return f"{relation} {words}" if relation != "equal to" else f"exactly {words}"


def _kink(values: Values) -> str:
    pre_activation, step = values  # a ReLU-type unit and the gradient check's step
    if pre_activation == 0:
        return "sits exactly on its kink"
    return "lies within a step of its kink" if abs(pre_activation) <= step else "is away from its kink"


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _moved(values: Values) -> str:
    # A value against the one it should be: the first place at which the two, rounded to it (half
    # away from zero, as the book rounds), differ, as a reader comparing them to fewer places sees it.
    moved, reference = values
    if moved == reference:
        return "no decimal place"
    for place in range(len(ORDINALS) + 1):
        unit = Decimal(1).scaleb(-place)
        if moved.quantize(unit, ROUND_HALF_UP) != reference.quantize(unit, ROUND_HALF_UP):
            return f"{ORDINALS[place - 1]} decimal place" if place else "whole part"
    raise ValueError(f"{moved} and {reference} differ only below the {ORDINALS[-1]} decimal place")


def _verdict(values: Values) -> str:
    error, kinks = values  # a relative error of the gradient check, and the kinks its evaluations straddle
    return gradcheck.verdict(float(error), int(kinks))


def _passes(values: Values) -> str:
    # (relative error, kinks straddled) of each network: do all read "right"?
    pairs = zip(values[::2], values[1::2], strict=True)
    right = gradcheck.VERDICTS[0][1]
    return (
        "every network passes"
        if all(gradcheck.verdict(float(e), int(k)) == right for e, k in pairs)
        else "not every network passes"
    )


def _falls(values: Values) -> str:
    # A sequence of losses, in the order of the steps: does each one lie below the one before?
    return (
        "falls from each point to the next"
        if all(b < a for a, b in zip(values, values[1:], strict=False))
        else "does not fall everywhere"
    )


def _classified(values: Values) -> str:
    # (output, target) of each example of a single probability output: on the target's side of one half?
    pairs = list(zip(values[::2], values[1::2], strict=True))
    right = sum((output > Decimal(1) / 2) == (target > Decimal(1) / 2) for output, target in pairs)
    if right == len(pairs):
        return "every example"
    return "no example" if right == 0 else f"{NUMBER_WORDS[right]} of the {NUMBER_WORDS[len(pairs)]} examples"


RULES: dict[str, Callable[[Values], str]] = {
    "sign": _sign,
    "off_target": _off_target,
    "pushed": _pushed,
    "cancel": _cancel,
    "zero": _zero,
    "compare": _compare,
    "kink": _kink,
    "fraction": _fraction,
    "multiple": _multiple,
    "relu_unit": _relu_unit,
    "moved": _moved,
    "verdict": _verdict,
    "passes": _passes,
    "falls": _falls,
    "classified": _classified,
}


@dataclass(frozen=True)
class Claim:
    """Words in the prose and the terms they are about: expressions of the step language."""

    rule: str
    terms: tuple[str, ...]
    quantities: tuple[Quantity, ...]  # every quantity the terms name, in order of first use
    words: str
    template: str
    line: int
    expressions: tuple[Node, ...] = ()
    refs: tuple[Ref, ...] = ()  # the references of ``quantities``, in the same order

    def values(self, value: Callable[[Quantity], Decimal]) -> list[Decimal]:
        """Each term's value, its quantities valued by ``value``."""
        by_ref = {ref: value(quantity) for ref, quantity in zip(self.refs, self.quantities, strict=True)}
        return [evaluate(expression, lambda ref: by_ref[ref]) for expression in self.expressions]

    def check(self, value: Callable[[Quantity], Decimal]) -> str | None:
        """Why the words are not what the rule gives on the values ``value`` gives (the oracle's), or None."""
        values = self.values(value)
        words = RULES[self.rule](values)
        if words == self.words:
            return None
        shown = ", ".join(f"{t} = {v:.6g}" for t, v in zip(self.terms, values, strict=True))
        return (
            f"claim {self.rule}: the page says {self.words!r}, but {shown} give {words!r} ({self.template}:{self.line})"
        )


def _words(text: str) -> str:
    """Text as a run of lower-case words, for finding a phrase in a statement."""
    return " " + " ".join(re.findall(r"[a-z]+", text.lower())) + " "


class Claims:
    """The template's ``claim.<rule>(...)`` and ``theorem(name)``: words chosen by values, recorded.

    A term is an expression of the step language (``delta[out,1] * W[out,1,1]``); ``resolve``
    turns one of its references into a ``Quantity`` of the chapter, ``value`` gives the core's
    value of one; ``where`` the template line asking; ``fail`` makes the error to raise.
    """

    def __init__(
        self,
        resolve: Callable[[Ref], Quantity],
        value: Callable[[Quantity], Decimal],
        where: Callable[[], tuple[str, int]],
        fail: Callable[[str], Exception],
    ) -> None:
        self._resolve, self._value, self._where, self._fail = resolve, value, where, fail
        self.made: list[Claim] = []
        self.theorems: list[str] = []

    def _parse(self, term: str) -> Node:
        try:
            return parse_expression(term)
        except StepSyntaxError as error:
            raise self._fail(f"claim term {term!r}: {error}") from None

    def _claim(self, rule: str, terms: tuple[str, ...], says: str | None, extra: tuple[Node, ...] = ()) -> str:
        expressions = tuple(self._parse(term) for term in terms) + extra
        texts = terms + tuple(source(e) for e in extra)
        used: dict[Ref, Quantity] = {}
        for expression in expressions:
            for ref in refs(expression):
                if ref not in used:
                    used[ref] = self._resolve(ref)
        template, line = self._where()
        claim = Claim(rule, texts, tuple(used.values()), "", template, line, expressions, tuple(used))
        try:
            words = RULES[rule](claim.values(self._value))
        except (ArithmeticError, ValueError) as error:
            raise self._fail(f"claim {rule} of {', '.join(texts)}: {error}") from None
        if says is not None:
            # The page prints the words the template insists on, and the oracle's exact values decide
            # whether they hold (a failed check, exit 1, like a wrong number): a core whose numbers are
            # wrong is then named by its numbers, not by the first line that insists on a word.
            words = says
        self.made.append(dataclasses.replace(claim, words=words))
        return Said(words, claim.quantities)

    def sign(self, term: str, says: str | None = None) -> str:
        """ "positive", "negative" or "zero"."""
        return self._claim("sign", (term,), says)

    def off_target(self, output: str, says: str | None = None) -> str:
        """An output ``a[out,k]`` against its target: "too large", "too small" or "on target"."""
        node = self._parse(output)
        if not isinstance(node, Ref) or node.call != "a" or len(node.args) != 2:
            raise self._fail(f"claim off_target: {output!r} is not an output activation such as a[out,1]")
        target = Ref("y", (node.args[1],), node.keywords)
        return self._claim("off_target", (output,), says, (target,))

    def pushed(self, gradient: str, says: str | None = None) -> str:
        """What one gradient-descent step does to a quantity with this gradient: "pushed down", "pushed up"."""
        return self._claim("pushed", (gradient,), says)

    def cancel(self, *terms: str, says: str | None = None) -> str:
        """Terms of a sum: "cancel exactly", "nearly cancel", "partly cancel" or "add up"."""
        if len(terms) < 2:
            raise self._fail("claim cancel needs two terms or more")
        return self._claim("cancel", terms, says)

    def zero(self, term: str, says: str | None = None) -> str:
        """ "is zero" or "is not zero"."""
        return self._claim("zero", (term,), says)

    def compare(self, first: str, second: str, says: str | None = None) -> str:
        """ "larger than", "smaller than" or "equal to"."""
        return self._claim("compare", (first, second), says)

    def fraction(self, part: str, whole: str, denominator: int, says: str | None = None) -> str:
        """``part`` against a fraction of ``whole``: "smaller than a tenth of", "larger than a quarter of" or
        "exactly a half of"; the fraction's words come from ``denominator`` (2, 3, 4, 5, 10 or 100)."""
        return self._claim("fraction", (part, whole), says, (self._number(denominator, FRACTIONS),))

    def multiple(self, first: str, second: str, factor: int, says: str | None = None) -> str:
        """``first`` against a multiple of ``second``: "larger than three times", "smaller than twice" or
        "exactly twice"; the multiple's words come from ``factor`` (2, 3, 4, 5 or 10)."""
        return self._claim("multiple", (first, second), says, (self._number(factor, MULTIPLES),))

    def _number(self, number: int, named: dict[int, str]) -> Node:
        if isinstance(number, bool) or number not in named:
            raise self._fail(f"claim: {number!r} has no words here; one of {', '.join(map(str, named))}")
        return self._parse(str(number))

    def relu_unit(self, pre_activation: str, says: str | None = None) -> str:
        """A ReLU unit by its pre-activation: "silenced" (at or below zero: no output, no gradient) or "active"."""
        return self._claim("relu_unit", (pre_activation,), says)

    def kink(self, pre_activation: str, says: str | None = None) -> str:
        """A ReLU-type unit against the gradient check's step: on, within a step of, or away from its kink."""
        return self._claim("kink", (pre_activation,), says, (Ref("step", ()),))

    def moved(self, moved: str, reference: str, says: str | None = None) -> str:
        """The first place at which ``moved`` and ``reference``, rounded to it, differ: "third decimal
        place", "whole part", or "no decimal place" when they are equal."""
        return self._claim("moved", (moved, reference), says)

    def verdict(
        self, layer: str | None = None, *index: int, network: str | None = None, says: str | None = None
    ) -> str:
        """What the gradient check says of one parameter (``layer`` and its indices), of a layer's
        largest relative error, or of the network's, by the rule of thumb: at a kink, it says nothing."""
        keywords = (("network", network),) if network else ()
        if layer is None:
            if index:
                raise self._fail("claim verdict: a parameter's indices need its layer")
            error, kinks = Ref("max_rel_err", (), keywords), Ref("kinks", (), keywords)
        elif index:
            error, kinks = Ref("rel_err", (layer, *index), keywords), Ref("kinks", (layer, *index), keywords)
        else:
            error = Ref("max_rel_err", (), (*keywords, ("layer", layer)))
            kinks = Ref("kinks", (layer,), keywords)
        return self._claim("verdict", (), says, (error, kinks))

    def passes(self, *networks: str, says: str | None = None) -> str:
        """Whether the gradient check reads "right" on every one of these networks."""
        if not networks:
            raise self._fail("claim passes needs the networks it speaks of")
        terms: tuple[Node, ...] = ()
        for network in networks:
            terms += (Ref("max_rel_err", (), (("network", network),)), Ref("kinks", (), (("network", network),)))
        return self._claim("passes", (), says, terms)

    def falls(self, *terms: str, says: str | None = None) -> str:
        """Losses in the order of the steps: "falls from each point to the next" or "does not fall everywhere"."""
        if len(terms) < 2:
            raise self._fail("claim falls needs two terms or more")
        return self._claim("falls", terms, says)

    def classified(self, *outputs: str, says: str | None = None) -> str:
        """How many examples a single probability output puts on its target's side of one half:
        "every example", "no example" or "three of the four examples". Each output is
        ``a[out,1,e=2]`` or ``a_trained[out,1,e=2]``; its target is the example's."""
        extra: tuple[Node, ...] = ()
        for output in outputs:
            node = self._parse(output)
            if not isinstance(node, Ref) or len(node.args) != 2 or node.args[1] != 1:
                raise self._fail(f"claim classified: {output!r} is not the output a[out,1] of an example")
            extra += (node, Ref("y", (1,), node.keywords))
        if not extra:
            raise self._fail("claim classified needs the outputs it speaks of")
        return self._claim("classified", (), says, extra)

    def theorem(self, name: str, says: str | None = None) -> str:
        """A general statement of the prose, proved by the build (``generator.theorems``). Prints nothing,
        or the words ``says``, which must be words of the statement ("prediction minus target")."""
        if name not in THEOREMS:
            raise self._fail(f"no theorem called {name!r} (theorems: {', '.join(sorted(THEOREMS))})")
        if says is not None and _words(says) not in _words(THEOREMS[name].statement):
            raise self._fail(f"theorem {name!r} does not say {says!r}: {THEOREMS[name].statement}")
        if name not in self.theorems:
            self.theorems.append(name)
        mark = provenance.role(provenance.THEOREM, name, "")  # where it is named: see proved_words
        return Tex((says or "") + mark)
