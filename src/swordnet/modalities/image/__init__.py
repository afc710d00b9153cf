"""Images: photos and artwork. A global PDQ tier and a local ORB tier behind one signal."""

from swordnet.modalities.image.features import FeatureParams, ImageFeatures
from swordnet.modalities.image.index import ImageIndex, ImageIndexParams
from swordnet.modalities.image.signal import ImageSignal

__all__ = ["FeatureParams", "ImageFeatures", "ImageIndex", "ImageIndexParams", "ImageSignal"]
