"""Sample: one thread, main() with three locals calls a function that aborts or parks."""

import hdsample

sample = hdsample.Sample(__doc__)


def crash(reason):
    sample.record(); sample.stop()


def main():
    name = "demo"
    count = 3
    items = [1, 2, 3]
    crash("boom")


if __name__ == "__main__":
    main()
