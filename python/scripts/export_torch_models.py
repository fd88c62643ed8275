#!/usr/bin/env python3
# ===- export_torch_models.py - real-world PyTorch models as ONNX -------------===#
#
# Exports models of the size and op mix of real ones, with random weights (no
# downloads) and in eval mode, via torch.onnx.export at opset 17 (unless
# noted):
#
#   resnet50      torchvision ResNet-50     input 'input': batch x 3 x 224 x 224
#   mobilenet_v2  torchvision MobileNetV2   input 'input': batch x 3 x 224 x 224
#   transformer   nn.TransformerEncoder (d_model 256, 4 heads, 4 layers, ffn
#                 1024, batch_first)       input 'input': batch x seq x 256
#   efficientnet_b0, mobilenet_v3_small, squeezenet1_1, shufflenet_v2_x1_0
#                 torchvision               input 'input': batch x 3 x 224 x 224
#   resnet50_bn   ResNet-50 with its BatchNormalization nodes kept (exported in
#                 TrainingMode.PRESERVE of an eval model, so inference-mode BN)
#                 and random BN statistics, so that folding them is visible
#   transformer_gelu  the transformer with activation="gelu", exported at
#                 opset 13, so torch decomposes LayerNormalization (and Gelu,
#                 which ONNX has only from opset 20) into elementwise ops
#
# The batch dim (and the transformer's sequence length) is dynamic; pin it with
# `tessera-compile --input-shape input=1,3,224,224` (or input=1,128,256).
# Writes OUTDIR/NAME.onnx. Never commit the outputs (*.onnx is gitignored).
#
# Usage: /usr/bin/python3 export_torch_models.py OUTDIR
#            [--models resnet50,mobilenet_v2,...]
#
# ===-------------------------------------------------------------------------===#
import argparse
import os
import sys

import torch
import torchvision

OPSET = 17


def torchvision_model(name):
    ctor = getattr(torchvision.models, name)
    try:
        return ctor(weights=None)  # torchvision >= 0.13
    except TypeError:
        return ctor(pretrained=False)


def transformer(activation="relu"):
    layer = torch.nn.TransformerEncoderLayer(d_model=256, nhead=4, dim_feedforward=1024,
                                             batch_first=True, activation=activation)
    model = torch.nn.TransformerEncoder(layer, num_layers=4)
    # The layers are deep copies of one; re-draw their matrices, or the exporter
    # deduplicates the equal initializers into one layer's worth of weights.
    for p in model.parameters():
        if p.dim() > 1:
            torch.nn.init.xavier_uniform_(p)
    return model


# name -> (constructor, example input shape, dynamic axes of 'input' and 'output'
#          [, opset])
MODELS = {
    "resnet50": (lambda: torchvision_model("resnet50"), (1, 3, 224, 224), {0: "batch"}),
    "mobilenet_v2": (lambda: torchvision_model("mobilenet_v2"), (1, 3, 224, 224), {0: "batch"}),
    "transformer": (transformer, (1, 128, 256), {0: "batch", 1: "seq"}),
    "transformer_gelu": (lambda: transformer("gelu"), (1, 128, 256), {0: "batch", 1: "seq"},
                         13),
}
# Networks of concatenations, channel shuffles, squeeze-and-excitation blocks,
# SiLU and HardSwish: the op mixes where fusion matters most.
for _name in ("efficientnet_b0", "mobilenet_v3_small", "squeezenet1_1", "shufflenet_v2_x1_0"):
    MODELS[_name] = (lambda n=_name: torchvision_model(n), (1, 3, 224, 224), {0: "batch"})


def randomize_batchnorm(model):
    # Fresh BatchNorm layers hold mean 0, variance 1, scale 1, shift 0: folding
    # them would change nothing, and a wrong fold would go unnoticed.
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(c, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(c, generator=g) * 0.1)
    return model


MODELS["resnet50_bn"] = (lambda: randomize_batchnorm(torchvision_model("resnet50")),
                         (1, 3, 224, 224), {0: "batch"})
# Exported with their BatchNormalization nodes (PyTorch otherwise folds them).
KEEP_BATCHNORM = {"resnet50_bn"}


def export(name, path):
    ctor, shape, axes, *rest = MODELS[name]
    opset = rest[0] if rest else OPSET
    torch.manual_seed(0)
    model = ctor().eval()
    extra = {}
    if name in KEEP_BATCHNORM:
        extra["training"] = torch.onnx.TrainingMode.PRESERVE
    # Not under torch.no_grad(): in eval mode without autograd, torch 1.13's
    # TransformerEncoderLayer takes a fused fast path that ONNX cannot export.
    torch.onnx.export(model, torch.randn(*shape), path, opset_version=opset,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": axes, "output": axes}, **extra)


def main():
    parser = argparse.ArgumentParser(description="Export PyTorch models as ONNX.")
    parser.add_argument("outdir")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset of: " + ", ".join(MODELS))
    args = parser.parse_args()
    names = [n for n in args.models.split(",") if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        parser.error("unknown model(s): " + ", ".join(unknown))
    os.makedirs(args.outdir, exist_ok=True)
    for name in names:
        path = os.path.join(args.outdir, name + ".onnx")
        export(name, path)
        print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
