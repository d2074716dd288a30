"""What each kind of autoencoder is, in one place: the registry the models, the catalogue,
the zoo, the evaluation and the pages all read.

No torch here: the app's first page lists the checkpoints without it. The model classes
(``explorer.models``) are registered under the same names, which is checked there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str  # the key in checkpoint names, URLs and the command line: "vae"
    regulariser: str | None  # the name of the regulariser's term in the model's loss(), if any
    posterior_variance: bool  # the encoder outputs a variance as well as a code (a Gaussian q(z|x))
    prior_generative: bool  # trained to fill N(0, I), so samples from the prior are meant to work
    denoising: bool  # trained on corrupted inputs against clean targets
    in_small_zoo: bool  # shipped at latent size 2 too, to be drawn as its own map
    data: str = "images"  # what it reads: "images", or "ratings" (the recommenders, explorer.models.recommenders)
    input: str = "image"  # one input: an "image", an "item"'s ratings by every user, or a "user"'s history

    @property
    def title_key(self) -> str:
        """The catalogue key of the kind's name ("VAE"); ``about_key`` describes it."""
        return f"kind.{self.name}"

    @property
    def about_key(self) -> str:
        return f"kind.{self.name}.about"


# In the survey's order: the bottleneck, the regularised ones, then the generative ones.
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("ae", regulariser=None, posterior_variance=False, prior_generative=False, denoising=False,
         in_small_zoo=True),
    Kind("dae", regulariser=None, posterior_variance=False, prior_generative=False, denoising=True,
         in_small_zoo=False),
    Kind("sparse", regulariser="sparsity", posterior_variance=False, prior_generative=False, denoising=False,
         in_small_zoo=False),
    Kind("contractive", regulariser="contractive", posterior_variance=False, prior_generative=False,
         denoising=False, in_small_zoo=False),
    Kind("vae", regulariser="kl", posterior_variance=True, prior_generative=True, denoising=False,
         in_small_zoo=True),
    Kind("wae", regulariser="mmd", posterior_variance=False, prior_generative=True, denoising=False,
         in_small_zoo=True),
    Kind("aae", regulariser="adversarial", posterior_variance=False, prior_generative=True, denoising=False,
         in_small_zoo=True),
    # Recommendation, the survey's last application: autoencoders of ratings (explorer.models.recommenders)
    Kind("autorec", regulariser=None, posterior_variance=False, prior_generative=False, denoising=False,
         in_small_zoo=False, data="ratings", input="item"),
    Kind("multdae", regulariser=None, posterior_variance=False, prior_generative=False, denoising=True,
         in_small_zoo=False, data="ratings", input="user"),
    Kind("multvae", regulariser="kl", posterior_variance=True, prior_generative=False, denoising=False,
         in_small_zoo=False, data="ratings", input="user"),
)}
MODEL_KINDS = tuple(KINDS)
IMAGE_KINDS = tuple(k for k, kind in KINDS.items() if kind.data == "images")
RATINGS_KINDS = tuple(k for k, kind in KINDS.items() if kind.data == "ratings")
# The plain autoencoder is what every regularised kind is compared with (the denoising lab's pair).
BASELINE_KIND = "ae"
# The kinds a page shows side by side by default: the plain bottleneck against the two generative ones.
COMPARISON_KINDS = ("ae", "vae", "wae")
