"""What a trained CNN has learned, and which pixels a decision rests on: lesson 07 in one namespace.

Lesson 07 imports ``from utils import explain`` and calls ``explain.saliency``,
``explain.grad_cam``, ... This module only gathers those names; each lives in
the module of its concern, where its code and docstring are:

* structure: :mod:`utils.receptive_fields` (:func:`conv_layer_names`,
  :func:`conv_kernels`, :func:`receptive_fields`, :func:`format_receptive_fields`);
* what a layer computes and what excites it: :mod:`utils.feature_vis`
  (:func:`feature_maps`, :func:`activation_maximisation`);
* which pixels matter: :mod:`utils.attribution` (:func:`occlusion_map`,
  :func:`saliency`, :func:`grad_cam`, :func:`guided_grad_cam`,
  :func:`default_cam_layer`), on copies of the model made by
  :mod:`utils.surgery` (:func:`score_model`);
* can we trust the maps: :mod:`utils.sanity` (:func:`randomise_layers`,
  :func:`rank_correlation`).

All of it runs on TensorFlow, JAX and PyTorch: gradients come from
:mod:`utils.gradients`, everything else is ``keras.ops`` and NumPy.
"""

from utils.attribution import default_cam_layer, grad_cam, guided_grad_cam, occlusion_map, saliency
from utils.feature_vis import Maximised, activation_maximisation, feature_maps
from utils.receptive_fields import (
    ReceptiveField,
    conv_kernels,
    conv_layer_names,
    format_receptive_fields,
    receptive_fields,
)
from utils.sanity import randomise_layers, rank_correlation
from utils.surgery import SALIENCY_METHODS, score_model

__all__ = [
    "Maximised",
    "ReceptiveField",
    "SALIENCY_METHODS",
    "activation_maximisation",
    "conv_kernels",
    "conv_layer_names",
    "default_cam_layer",
    "feature_maps",
    "format_receptive_fields",
    "grad_cam",
    "guided_grad_cam",
    "occlusion_map",
    "randomise_layers",
    "rank_correlation",
    "receptive_fields",
    "saliency",
    "score_model",
]
