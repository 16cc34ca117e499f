"""ArrayLens demo: a small image-processing step whose arrays the demo inspects at the BREAK line."""
import numpy as np


def process(width=512, height=384):
    yy, xx = np.mgrid[0:height, 0:width]
    image = (np.sin(xx / 23.0) * np.cos(yy / 17.0)).astype(np.float32)
    image[50:60, 200:210] = np.nan          # a dead patch a user would want to spot
    image[10, 10] = np.inf
    signal = np.cumsum(np.random.default_rng(1).normal(size=10_000))
    labels = (image > 0.5).astype(np.uint8)
    total = float(np.nansum(image))
    return total  # BREAK


if __name__ == "__main__":
    print(process())
