"""Exercises with answers: one entrance to the generator of exercise variants.

``generate(spec, kind, seed)`` is a pure function from a chapter spec, an exercise kind
(``compute``, ``derive``, ``shapes``, ``mistake``) and a seed to an ``Exercise``: what the
question and its answer print, every number a ledger quantity and every formula a checked one.
``chapter_exercises(spec)`` makes a chapter's exercises from its ``[exercises]`` table;
``variant_network(spec, name)`` builds the variant network ``variant_<seed>`` of a compute
exercise from the spec's data alone, for the core and for the oracle alike. The rules of a
variant (numbers worked by hand, no kink, no vanishing gradient, answers that differ) are
enforced in ``generate`` (see ``generator.exercises.generate``); ``arith`` is the generator's own
float arithmetic, which chooses variants and never prints a number.
"""

from generator.exercises.generate import (
    Exercise,
    ExerciseError,
    Term,
    chapter_exercises,
    generate,
    next_exercise,
    ref,
    step_text,
    variant_network,
    variant_spec,
)

__all__ = [
    "Exercise",
    "ExerciseError",
    "Term",
    "chapter_exercises",
    "generate",
    "next_exercise",
    "ref",
    "step_text",
    "variant_network",
    "variant_spec",
]
