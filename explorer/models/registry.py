"""One registry from a kind's name to its model class and its config, for every kind of explorer.models.kinds:
the image autoencoders (explorer.models.nets) and the recommenders (explorer.models.recommenders)."""

from __future__ import annotations

from torch import nn

from explorer.models.kinds import KINDS, MODEL_KINDS
from explorer.models.nets import MODELS as IMAGE_MODELS
from explorer.models.nets import ModelConfig
from explorer.models.recommenders import RECOMMENDERS, RatingsConfig

MODELS: dict[str, type[nn.Module]] = {**IMAGE_MODELS, **RECOMMENDERS}
assert tuple(MODELS) == MODEL_KINDS, "explorer.models.kinds.KINDS must list the same kinds, in the same order"
CONFIGS: dict[str, type] = {"images": ModelConfig, "ratings": RatingsConfig}  # by Kind.data


def config_from_dict(d: dict) -> ModelConfig | RatingsConfig:
    """The config a checkpoint's ``model`` section describes, of its kind's family (ValueError if it cannot be)."""
    kind = d.get("kind", "ae")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose one of: {', '.join(MODEL_KINDS)}")
    return CONFIGS[KINDS[kind].data].from_dict(d)


def build_model(config: ModelConfig | RatingsConfig) -> nn.Module:
    return MODELS[config.kind](config)
