"""ArrayLens mixed demo: a NumPy image handed to a Rust extension (PyO3 + rust-numpy: the crate in
test/fixtures/rust/mixed, built into .venv by `npm run setup`). In the demo workspace, put a breakpoint on the line
marked // BREAK in rust/lib.rs and start "ArrayLens: Python + Rust (mixed)": the Arrays view lists the Rust
ArrayView `view`, marked as the same bytes as `image` here."""
import numpy as np

import arraylens_mixed


def main():
    yy, xx = np.mgrid[0:384, 0:512]
    image = (np.sin(xx / 23.0) * np.cos(yy / 17.0)).astype(np.float32)
    image[50:60, 200:210] = np.nan  # a dead patch a user would want to spot
    image[10, 10] = np.inf
    total = arraylens_mixed.sum_view(image, image, "demo")  # BREAK (the Python side, before the call)
    print(f"sum of the finite pixels, computed in Rust: {total:.3f}")


if __name__ == "__main__":
    main()
