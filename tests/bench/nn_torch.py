# nn_torch.py: the PyTorch baseline of tests/bench/nn.sh, same work as nn_bench.c:
#   nn_torch.py a|b BATCH ITERS  ->  "images/s X maxrss_mb Y"
import resource
import sys
import time

import torch
import torchvision

case, n, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.manual_seed(1)
if case == "a":
    m = torchvision.models.resnet18(num_classes=10)
    m.conv1 = torch.nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    m.maxpool = torch.nn.Identity()
    m.train()
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    x = torch.rand(n, 3, 32, 32) * 4 - 2
    y = torch.arange(n) % 10
else:
    m = torchvision.models.resnet50()
    m.fc = torch.nn.Identity()
    m.eval()
    x = torch.rand(n, 3, 224, 224) * 4 - 2
t0 = 0
for it in range(-1, iters):
    if it == 0:
        t0 = time.perf_counter()
    if case == "a":
        loss = torch.nn.functional.cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    else:
        with torch.no_grad():
            m(x)
dt = time.perf_counter() - t0
print(f"images/s {n * iters / dt:.2f} maxrss_mb "
      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
