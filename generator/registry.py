"""Every model a formula may name, by name: the single-layer models and the whole-network ones."""

from __future__ import annotations

from generator.models import SINGLE_MODELS, Model
from generator.network_models import NETWORK_MODELS

MODELS: dict[str, Model] = {m.name: m for m in (*SINGLE_MODELS, *NETWORK_MODELS)}
