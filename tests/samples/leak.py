"""Sample: a leak. 50,000 __main__.Leaky instances (each holding a small dict and a list) kept
in a global list, among ordinary objects and garbage of other types; `hdconvert stats` must
put Leaky first among the classes of __main__, with its exact count.

The collector is disabled from the start, so the cyclic garbage stays in the GC's lists until
the core is taken and every count is deterministic. Besides what every sample records (see
hdsample.py), the truth has ``heap``: ``counts`` (type name -> number of objects in
``gc.get_objects()``) for the TOP most common types and every class of __main__, ``sizes``
(type name -> sum of ``sys.getsizeof``) for the classes of __main__, and ``tracked`` (how many
objects ``gc.get_objects()`` returned).
"""

import collections
import gc
import sys

import hdsample

gc.disable()

LEAKY = 50000
TOP = 30


class Leaky:
    def __init__(self, i):
        self.payload = {"id": i}
        self.tags = [i]


class Noise:
    """Cyclic garbage: unreachable, still in the GC's lists (the collector is off)."""

    def __init__(self):
        self.me = self


class Rare:
    pass


LEAKED = [Leaky(i) for i in range(LEAKY)]
KEPT = {"rare": [Rare() for _ in range(100)], "pairs": [(i, str(i)) for i in range(20000)]}


def make_garbage():
    for _ in range(10000):
        Noise()
    for i in range(5000):
        cycle = [i]
        cycle.append(cycle)


def extend(truth):
    objects = gc.get_objects()
    counts = collections.Counter(hdsample.type_name(type(o)) for o in objects)
    mine = {name: count for name, count in counts.items() if name.startswith("__main__.")}
    sizes = {name: 0 for name in mine}
    for o in objects:
        name = hdsample.type_name(type(o))
        if name in sizes:
            sizes[name] += sys.getsizeof(o)
    top = dict(counts.most_common(TOP))
    top.update(mine)
    truth["heap"] = {"counts": top, "sizes": sizes, "tracked": len(objects)}
    del objects


sample = hdsample.Sample(__doc__, extend=extend)


def main():
    make_garbage()
    leaked = len(LEAKED)
    first = LEAKED[0]
    sample.record(); sample.stop()


if __name__ == "__main__":
    main()
