# Writes a small ShuffleNetV2-style unit followed by a SqueezeNet-style Fire
# module (58-channel convolutions, concat, channel shuffle, split, 13-wide
# activations) as DIR/model.onnx with a random input DIR/x.npy and PyTorch's
# output DIR/y.npy.
import sys

import numpy as np
import torch
import torch.nn as nn

torch.manual_seed(0)


class Unit(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Sequential(nn.Conv2d(24, 58, 1), nn.ReLU())
        self.b = nn.Sequential(nn.Conv2d(24, 58, 1), nn.ReLU(),
                               nn.Conv2d(58, 58, 3, padding=1, groups=58),
                               nn.Conv2d(58, 58, 1), nn.ReLU())
        self.c = nn.Sequential(nn.Conv2d(58, 58, 3, padding=1), nn.ReLU())
        self.squeeze = nn.Sequential(nn.Conv2d(116, 16, 1), nn.ReLU())
        self.e1 = nn.Sequential(nn.Conv2d(16, 32, 1), nn.ReLU())
        self.e3 = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())

    def forward(self, x):
        y = torch.cat([self.a(x), self.b(x)], 1)
        n, c, h, w = y.shape
        y = y.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
        y1, y2 = y.chunk(2, dim=1)
        y = torch.cat([y1, self.c(y2)], 1)
        s = self.squeeze(y)
        y = torch.cat([self.e1(s), self.e3(s)], 1)
        return nn.functional.max_pool2d(y, 3, 2, ceil_mode=True)


out = sys.argv[1]
model = Unit().eval()
x = torch.rand(1, 24, 13, 13)
with torch.no_grad():
    y = model(x)
torch.onnx.export(model, (x,), out + "/model.onnx", input_names=["x"],
                  output_names=["y"], opset_version=17)
np.save(out + "/x.npy", x.numpy())
np.save(out + "/y.npy", y.numpy())
