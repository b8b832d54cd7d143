"""What augmentation costs per epoch, on each Keras backend (`make bench-augmentation`).

Lesson 06's network (``bn_cnn``) is trained for a few epochs on CIFAR-sized
photos three ways: without augmentation, with Keras's preprocessing layers in
front (``shift_and_flip(layers_only=True)``: ``RandomTranslation`` +
``RandomFlip``, what lesson 06 teaches), and with the course's
``ShiftAndFlip`` layer (``shift_and_flip()``: the same distribution by
indexing, what every lesson trains with). Each backend runs in its own
process; the median epoch after the first (which pays for compilation) is
reported, with the ratio to the plain epoch. The photos are random arrays of
the real shape: only the time is measured.

Usage:
    python benchmarks/augmentation.py                      # every installed backend, 10,000 photos
    python benchmarks/augmentation.py --backends jax --photos 2000 --epochs 3
"""

from __future__ import annotations

from backend_process import benchmark_parser, measure_installed, run_in_backend

VARIANTS = ("plain", "keras layers", "ShiftAndFlip")

MEASURE = """
from utils import EpochTimer
from utils.models import bn_cnn, shift_and_flip
from utils.training import compile_with_warmup_cosine, steps_for

photos, epochs, batch = {photos}, {epochs}, {batch}
blocks = {{"plain": None, "keras layers": lambda: shift_and_flip(layers_only=True), "ShiftAndFlip": shift_and_flip}}
result = {{"device": info.device}}
for name, block in blocks.items():
    model = compile_with_warmup_cosine(bn_cnn(block() if block else None), steps_for(photos, epochs, batch))
    timer = EpochTimer()
    model.fit(x, y, epochs=epochs, batch_size=batch, callbacks=[timer], verbose=0)
    result[name] = sorted(timer.times[1:])[len(timer.times[1:]) // 2]
print("RESULT" + json.dumps(result))
"""


def measure(backend, photos, epochs, batch):
    """Seconds per epoch of each variant on ``backend``, measured in a fresh process."""
    return run_in_backend(backend, MEASURE.format(photos=photos, epochs=epochs, batch=batch), photos)


def table(rows, photos, batch):
    out = [
        f"Seconds per epoch of lesson 06's network on {photos:,} photos (batch {batch}), "
        "median of the epochs after the first.",
        "",
        "| backend | device | plain | keras layers | ShiftAndFlip | layers / plain | ShiftAndFlip / plain |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend, r in rows.items():
        out.append(
            f"| {backend} | {r['device']} | {r['plain']:.2f} | {r['keras layers']:.2f} | {r['ShiftAndFlip']:.2f} "
            f"| {r['keras layers'] / r['plain']:.2f}x | {r['ShiftAndFlip'] / r['plain']:.2f}x |"
        )
    return "\n".join(out)


def main():
    parser = benchmark_parser(__doc__)
    parser.add_argument("--epochs", type=int, default=3, help="at least 2: the first epoch is not counted")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch (compilation) is left out of the median")
    rows = measure_installed(
        args.backends, lambda backend: measure(backend, args.photos, args.epochs, args.batch)
    )
    print(table(rows, args.photos, args.batch))


if __name__ == "__main__":
    main()
