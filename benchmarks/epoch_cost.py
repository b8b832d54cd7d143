"""What an epoch of lesson 06's network and of lesson 09's race winner costs, on each backend (`make bench-epoch`).

Lesson 09's winner (ResNet-9 at width 12) trains with the budget of lesson
06's final run: the same photos, epochs and batch size. Whether it also takes
no more *time* depends on what each epoch costs, and a notebook's own timing
moves with whatever else the machine is doing. This benchmark measures it on
purpose: both networks (with lesson 06's augmentation in front, compiled with
the course's recipe) train one epoch each in turn, for several rounds, so that
a busy spell slows both; it reports the median wall-clock seconds (what a
student waits) and CPU seconds (the work, summed over cores) per epoch, and
the ratio. A first epoch of each, not counted, pays for compilation. The
photos are random arrays of CIFAR-10's shape: only the time is measured.

Usage:
    python benchmarks/epoch_cost.py                           # every installed backend, 10,000 photos, 3 rounds
    python benchmarks/epoch_cost.py --backends jax --photos 2000 --rounds 5
"""

from __future__ import annotations

from backend_process import benchmark_parser, measure_installed, run_in_backend

NETWORKS = ("bn_cnn (lesson 06)", "ResNet-9 (lesson 09)")

MEASURE = """
import statistics, time
from utils.blocks import resnet9, total_multiply_adds
from utils.models import bn_cnn, shift_and_flip
from utils.training import compile_with_warmup_cosine, steps_for

photos, rounds, batch = {photos}, {rounds}, {batch}
builders = {{"{bn}": lambda: bn_cnn(shift_and_flip()), "{res}": lambda: resnet9(shift_and_flip(), width=12)}}
models = {{name: compile_with_warmup_cosine(build(), steps_for(photos, rounds + 1, batch)) for name, build in builders.items()}}
for model in models.values():
    model.fit(x, y, epochs=1, batch_size=batch, verbose=0)
wall = {{name: [] for name in models}}
cpu = {{name: [] for name in models}}
for _ in range(rounds):
    for name, model in models.items():
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        model.fit(x, y, epochs=1, batch_size=batch, verbose=0)
        wall[name].append(time.perf_counter() - start_wall)
        cpu[name].append(time.process_time() - start_cpu)
result = {{"device": info.device}}
for name, model in models.items():
    result[name] = {{
        "wall": statistics.median(wall[name]),
        "cpu": statistics.median(cpu[name]),
        "adds": total_multiply_adds(model),
        "weights": model.count_params(),
    }}
print("RESULT" + json.dumps(result))
"""


def measure(backend, photos, rounds, batch):
    """Median wall and CPU seconds per epoch of each network on ``backend``, in a fresh process."""
    code = MEASURE.format(photos=photos, rounds=rounds, batch=batch, bn=NETWORKS[0], res=NETWORKS[1])
    return run_in_backend(backend, code, photos)


def table(rows, photos, rounds, batch):
    """The Markdown table: one row per backend and network, ratios to lesson 06's network."""
    out = [
        f"Seconds per epoch of {photos:,} photos (batch {batch}, augmentation in front), "
        f"median of {rounds} interleaved rounds.",
        "",
        "| backend | device | network | weights | M multiply-adds | wall s | CPU s | wall / bn_cnn | CPU / bn_cnn |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for backend, r in rows.items():
        base = r[NETWORKS[0]]
        for name in NETWORKS:
            n = r[name]
            out.append(
                f"| {backend} | {r['device']} | {name} | {n['weights']:,} | {n['adds'] / 1e6:.1f} "
                f"| {n['wall']:.2f} | {n['cpu']:.2f} | {n['wall'] / base['wall']:.2f}x | {n['cpu'] / base['cpu']:.2f}x |"
            )
    return "\n".join(out)


def main():
    parser = benchmark_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="epochs of each network after the first")
    args = parser.parse_args()
    if args.rounds < 1 or args.photos < args.batch:
        parser.error("--rounds must be at least 1 and --photos at least one batch")
    rows = measure_installed(
        args.backends, lambda backend: measure(backend, args.photos, args.rounds, args.batch)
    )
    print(table(rows, args.photos, args.rounds, args.batch))


if __name__ == "__main__":
    main()
