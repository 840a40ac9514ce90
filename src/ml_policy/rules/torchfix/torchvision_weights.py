"""torchvision's legacy `pretrained=True`: which weights each model builder loaded for it.

Read from torchvision 0.29's `handle_legacy_interface` decorators (the facts
behind its own deprecation warning): builder -> the member of its weights enum
that `pretrained=True` stands for; None where it depends on other arguments
or there is none. Builders are keyed by their public subpackage of
`torchvision.models` ("" for the classification models).
"""

from __future__ import annotations

_CLASSIFICATION = (
    "alexnet convnext_base convnext_large convnext_small convnext_tiny densenet121 densenet161"
    " densenet169 densenet201 efficientnet_b0 efficientnet_b1 efficientnet_b2 efficientnet_b3"
    " efficientnet_b4 efficientnet_b5 efficientnet_b6 efficientnet_b7 efficientnet_v2_l"
    " efficientnet_v2_m efficientnet_v2_s googlenet inception_v3 maxvit_t mnasnet0_5 mnasnet0_75"
    " mnasnet1_0 mnasnet1_3 mobilenet_v2 mobilenet_v3_large mobilenet_v3_small regnet_x_16gf"
    " regnet_x_1_6gf regnet_x_32gf regnet_x_3_2gf regnet_x_400mf regnet_x_800mf regnet_x_8gf"
    " regnet_y_16gf regnet_y_1_6gf regnet_y_32gf regnet_y_3_2gf regnet_y_400mf regnet_y_800mf"
    " regnet_y_8gf resnet101 resnet152 resnet18 resnet34 resnet50 resnext101_32x8d"
    " resnext101_64x4d resnext50_32x4d shufflenet_v2_x0_5 shufflenet_v2_x1_0 shufflenet_v2_x1_5"
    " shufflenet_v2_x2_0 squeezenet1_0 squeezenet1_1 swin_b swin_s swin_t swin_v2_b swin_v2_s"
    " swin_v2_t vgg11 vgg11_bn vgg13 vgg13_bn vgg16 vgg16_bn vgg19 vgg19_bn vit_b_16 vit_b_32"
    " vit_l_16 vit_l_32 wide_resnet101_2 wide_resnet50_2"
)
_DETECTION = (
    "fasterrcnn_mobilenet_v3_large_320_fpn fasterrcnn_mobilenet_v3_large_fpn"
    " fasterrcnn_resnet50_fpn fasterrcnn_resnet50_fpn_v2 fcos_resnet50_fpn maskrcnn_resnet50_fpn"
    " maskrcnn_resnet50_fpn_v2 retinanet_resnet50_fpn retinanet_resnet50_fpn_v2 ssd300_vgg16"
    " ssdlite320_mobilenet_v3_large"
)
_SEGMENTATION = (
    "deeplabv3_mobilenet_v3_large deeplabv3_resnet101 deeplabv3_resnet50 fcn_resnet101"
    " fcn_resnet50 lraspp_mobilenet_v3_large"
)
_VIDEO = "mc3_18 mvit_v1_b mvit_v2_s r2plus1d_18 r3d_18 s3d swin3d_b swin3d_s swin3d_t"
_QUANTIZATION = (
    "googlenet inception_v3 mobilenet_v2 mobilenet_v3_large resnet18 resnet50 resnext101_32x8d"
    " resnext101_64x4d shufflenet_v2_x0_5 shufflenet_v2_x1_0 shufflenet_v2_x1_5 shufflenet_v2_x2_0"
)


def _group(package: str, names: str, weights: str | None) -> dict[tuple[str, str], str | None]:
    return {(package, name): weights for name in names.split()}


# (package, builder) -> what `pretrained=True` loaded
PRETRAINED: dict[tuple[str, str], str | None] = {
    **_group("", _CLASSIFICATION, "IMAGENET1K_V1"),
    **_group("", "regnet_y_128gf vit_h_14", None),
    **_group("detection", _DETECTION, "COCO_V1"),
    **_group("detection", "keypointrcnn_resnet50_fpn", None),
    **_group("segmentation", _SEGMENTATION, "COCO_WITH_VOC_LABELS_V1"),
    **_group("video", _VIDEO, "KINETICS400_V1"),
    **_group("optical_flow", "raft_large", "C_T_SKHT_V2"),
    **_group("optical_flow", "raft_small", "C_T_V2"),
    **_group("quantization", _QUANTIZATION, None),  # depends on `quantize`
}
# (package, builder) -> what `pretrained_backbone=True` loaded
PRETRAINED_BACKBONE: dict[tuple[str, str], str | None] = {
    **_group("detection", _DETECTION + " keypointrcnn_resnet50_fpn", "IMAGENET1K_V1"),
    ("detection", "ssd300_vgg16"): "IMAGENET1K_FEATURES",
    **_group("segmentation", _SEGMENTATION, "IMAGENET1K_V1"),
}
SUBPACKAGES = frozenset({"detection", "segmentation", "video", "optical_flow", "quantization"})


def builder(qualified: str) -> tuple[str, str] | None:
    """`torchvision.models[.package][.module].name` -> (package, name), if a known builder."""
    parts = qualified.split(".")
    if parts[:2] != ["torchvision", "models"] or len(parts) < 3:
        return None
    package = parts[2] if len(parts) > 3 and parts[2] in SUBPACKAGES else ""
    key = (package, parts[-1])
    return key if key in PRETRAINED else None
