"""augment.py: baseline of tests/bench/augment.sh: MoCo-v2's TwoCropsTransform with the default
augmentation (torchvision 0.14 on PIL images, moco.loader's PIL GaussianBlur), one thread, on
eight ~256x256 RGB images; prints pairs of 224x224 views per CPU second."""
import random
import sys
import time

import numpy as np
import torch
import torchvision.transforms as T
from PIL import Image, ImageFilter


class GaussianBlur:
    def __init__(self, sigma=(0.1, 2.0)):
        self.sigma = sigma

    def __call__(self, x):
        return x.filter(ImageFilter.GaussianBlur(radius=random.uniform(*self.sigma)))


def main():
    torch.set_num_threads(1)
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    aug = T.Compose([
        T.RandomResizedCrop(224, scale=(0.2, 1.0)),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.RandomApply([GaussianBlur([0.1, 2.0])], p=0.5),
        T.RandomHorizontalFlip(),
        T.ToTensor(),
        T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    rng = np.random.default_rng(1)
    imgs = []
    for i in range(8):
        w, h = 256 + 16 * (i % 3), 256 - 8 * (i % 4)
        yy, xx = np.mgrid[0:h, 0:w]
        a = np.stack([xx * (b + 1) + yy * (3 - b) for b in range(3)], -1)
        a = (a + rng.integers(0, 32, size=a.shape)) & 255
        imgs.append(Image.fromarray(a.astype(np.uint8), "RGB"))
    for img in imgs:  # warm-up
        aug(img), aug(img)
    done, t0 = 0, time.process_time()
    while True:
        for _ in range(16):
            img = imgs[done % 8]
            q, k = aug(img), aug(img)
            done += 1
        t = time.process_time() - t0
        if t >= seconds:
            break
    print(f"{done / t:.3f}")


if __name__ == "__main__":
    main()
