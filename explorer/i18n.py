"""Every string a user reads, in one catalogue per language: ``t("map.title")``.

English is complete; another language adds a dict with the same keys, and any key it
lacks falls back to English. ``{name}`` fields are filled from keyword arguments.
"""

from __future__ import annotations

import threading

LANGUAGES = {"en": "English"}
DEFAULT_LANGUAGE = "en"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "app.title": "Autoencoder Explorer",
        "app.tagline": "See what autoencoders learn — after Bank, Koenigstein & Giryes, *Autoencoders* (2020).",
        "nav.map": "Latent map",
        "sidebar.dataset": "Dataset",
        "sidebar.model": "Model",
        "sidebar.no_models": "No pretrained model is available for {dataset}. Train one with `python -m explorer.zoo train --missing`.",
        "sidebar.unavailable": "Unavailable models",
        "sidebar.unavailable_item": "**{name}**: {reason}",
        "sidebar.figures": "Test MSE {mse:.4f} · PSNR {psnr:.1f} dB",
        "sidebar.about": "About this model",
        "url.bad_value": "The link's {field} `{value}` is not known here; showing {fallback} instead.",
        "kind.ae": "Autoencoder",
        "kind.dae": "Denoising AE",
        "kind.sparse": "Sparse AE",
        "kind.contractive": "Contractive AE",
        "kind.vae": "VAE",
        "kind.wae": "WAE-MMD",
        "kind.ae.about": "The plain bottleneck: encoder and decoder trained only to reconstruct.",
        "kind.dae.about": "Trained to reconstruct clean images from corrupted ones (survey §3.3).",
        "kind.sparse.about": "Few code units active per image: KL of each unit's mean activation to ρ (survey §3.2).",
        "kind.contractive.about": "Penalises the encoder's Jacobian, so small input changes barely move the code (survey §3.4).",
        "kind.vae.about": "A Gaussian encoder and a KL pull towards N(0, I): a generative model (survey §4).",
        "kind.wae.about": "Pulls the aggregate of the codes to N(0, I) with an MMD penalty (survey §5).",
        "model.label": "{kind} · z{latent}",
        "data.missing": "The test images of {dataset} cannot be read: {error}",
        "map.title": "Latent map",
        "map.intro": "Each point is one test image, placed by its code. Click a point, or take the box or lasso tool from the bar above the map, to see images and their reconstructions; click a class in the legend to hide it.",
        "map.caption_umap": "UMAP of the {n} test codes (n_neighbors {n_neighbors}, min_dist {min_dist}, seed {seed}).",
        "map.caption_latent": "The {n} test codes themselves: this model's latent space is 2-D.",
        "map.thumbnails": "Show images on the map",
        "map.thumbnails_count": "Images shown",
        "map.compare": "Compare with",
        "map.compare_help": "Up to two more models of this dataset, side by side: the survey's point about regular latent spaces.",
        "map.no_map": "No precomputed map ships for {model}: compute one below.",
        "map.map_error": "The map of {model} cannot be read: {error}",
        "map.selection": "Selection",
        "map.selection_empty": "Nothing selected yet: drag a box or a lasso on the map, or click a point.",
        "map.selection_count": "{n} images selected; showing {shown}. Top: the test image; bottom: its reconstruction; caption: per-image MSE.",
        "map.clear": "Clear the selection",
        "map.original": "#{index} · {label}",
        "map.error": "MSE {mse:.4f}",
        "map.model_error": "{model} cannot be loaded: {error}",
        "recompute.title": "Recompute the map (UMAP)",
        "recompute.intro": "Runs UMAP on this model's test codes. The result is cached on disk, keyed by the model's weights and these settings.",
        "recompute.points": "Points",
        "recompute.neighbors": "n_neighbors",
        "recompute.min_dist": "min_dist",
        "recompute.seed": "Seed",
        "recompute.run": "Compute",
        "recompute.using": "Showing a recomputed map ({n} points, n_neighbors {n_neighbors}, min_dist {min_dist}, seed {seed}).",
        "recompute.back": "Back to the shipped map",
        "recompute.step_import": "Loading UMAP (the first time in a server takes about 15 s)…",
        "recompute.step_encode": "Encoding {n} test images…",
        "recompute.step_fit": "Fitting UMAP on {n} codes…",
        "recompute.done": "Map ready in {seconds:.1f} s.",
        "recompute.cached": "Loaded from the cache.",
        "recompute.failed": "UMAP failed: {error}",
        "nav.interpolate": "Interpolation",
        "nav.traverse": "Latent traversal",
        "nav.sample": "Prior sampling",
        "pick.index": "Test index",
        "pick.class": "Class to draw from",
        "pick.any": "any class",
        "pick.draw": "Draw",
        "download.png": "Download PNG",
        "interp.title": "Interpolation",
        "interp.intro": "Encode two test images, walk the straight (or spherical) path between their codes, decode every step. A regular latent space gives plausible images all the way; pixel space only cross-fades.",
        "interp.a": "Image A",
        "interp.b": "Image B",
        "interp.method": "Path",
        "interp.linear": "linear",
        "interp.spherical": "spherical (slerp)",
        "interp.steps": "Steps",
        "interp.models": "Models",
        "interp.random": "Random pair",
        "interp.from_map": "From the map's selection",
        "interp.from_map_help": "Select at least two points on the Latent map page: the first and the last become A and B.",
        "interp.no_models": "Choose at least one model.",
        "interp.scrubber": "Scrubber",
        "interp.scrubber_help": "Drag the slider: the frames of {model} were decoded once, so the morph follows your hand without asking the server.",
        "interp.scrubber_panels": "decoded from the latent path  |  pixel cross-fade",
        "interp.strips": "A → B, model by model",
        "interp.crossfade": "Pixel cross-fade (no model)",
        "interp.on_map": "The path on the latent map",
        "interp.on_map_exact": "The path drawn exactly: this latent space is the map.",
        "interp.on_map_approx": "Each step placed at the inverse-distance mean of the map positions of its 5 nearest test codes (an approximation of UMAP's transform).",
        "interp.path": "path A → B",
        "trav.title": "Latent traversal",
        "trav.intro": "Start from a test image's code (or from z = 0) and move one dimension at a time. Dimensions are ordered by how much they vary over the test codes.",
        "trav.base": "Start from",
        "trav.base_image": "a test image",
        "trav.base_zero": "z = 0",
        "trav.image": "Image",
        "trav.sliders_help": "The {n} most varied dimensions; each slider spans ±{span:g} standard deviations of that dimension over the test codes.",
        "trav.dim": "z[{dim}] (σ {sd:.2f})",
        "trav.reset": "Reset",
        "trav.decoded": "decoded",
        "trav.grid": "Sweeps",
        "trav.grid_steps": "Steps per sweep",
        "trav.grid_dims": "Dimensions shown",
        "trav.grid_help": "Row by row, dimensions {dims} swept from −{span:g}σ to +{span:g}σ around their mean, the others held at the starting code.",
        "sample.title": "Prior sampling",
        "sample.intro": "Decode random codes. From N(0, I), only a model whose codes were pulled towards that prior (VAE, WAE) gives digits; a Gaussian mixture fitted to the codes afterwards (Ghosh et al. 2020) makes any autoencoder a generator.",
        "sample.models": "Models",
        "sample.grid": "Grid side",
        "sample.seed": "Seed",
        "sample.temperature": "Temperature",
        "sample.prior": "z ~ N(0, T²·I)",
        "sample.gmm": "z ~ 10-component Gaussian mixture",
        "sample.gmm_train": "Mixture fitted to the training codes (shipped with the model).",
        "sample.gmm_test": "No mixture ships with this model: fitted here to the test codes.",
        "sample.lesson": "Compare the columns: the plain autoencoder's N(0, I) samples are mostly not digits, because nothing made its codes fill that Gaussian; the VAE's KL term and the WAE's MMD term did. The mixture samples show the decoder itself can draw — it is the sampling that fails.",
        "sample.manifold": "The decoded 2-D latent plane",
        "sample.manifold_help": "For the models with a 2-D code: a grid of codes over the plane, each decoded in place (as in Kingma & Welling 2014, figure 4).",
        "sample.manifold_side": "Grid side",
        "sample.manifold_range": "codes over [−{reach:.2f}, {reach:.2f}]²",
    },
}

# Per thread: a Streamlit server runs each session's script in its own thread, and
# the app sets the language at the top of every run.
_current = threading.local()


def set_language(lang: str) -> str:
    """Use ``lang`` if it is known, else the default; returns the language in use."""
    _current.lang = lang if lang in STRINGS else DEFAULT_LANGUAGE
    return _current.lang


def t(key: str, **fields) -> str:
    lang = getattr(_current, "lang", DEFAULT_LANGUAGE)
    text = STRINGS.get(lang, {}).get(key) or STRINGS[DEFAULT_LANGUAGE].get(key)
    if text is None:
        raise KeyError(f"no string {key!r} in the catalogue")
    return text.format(**fields) if fields else text
