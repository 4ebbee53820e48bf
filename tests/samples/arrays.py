"""Sample: NumPy arrays of several dtypes, shapes and memory orders held in main()'s locals.

Besides what every sample records (see hdsample.py), the truth has ``arrays``: for each local
holding an array, its name, address and ``summary``, the text hdconvert must show for it:
``<numpy.ndarray shape=SHAPE dtype=DTYPE [FIRST, ...] at 0xADDR>`` with ``a.shape``,
``a.dtype.str`` and the ``repr`` of ``.item()`` of its first HEAD elements in C order (the
brackets only for boolean and numeric dtypes with at least one element; ``...`` when there are
more).
"""

import sys

import numpy as np

import hdsample

HEAD = 16  # limits::MAX_NDARRAY_HEAD


def summary(a):
    text = "<numpy.ndarray shape=%r dtype=%s" % (a.shape, a.dtype.str)
    if a.dtype.kind in "biufc" and a.size:
        first = [repr(x.item()) for x in a.flat[:HEAD]]
        text += " [%s%s]" % (", ".join(first), ", ..." if a.size > HEAD else "")
    return text + " at %s>" % hex(id(a))


def extend(truth):
    frame = sys._getframe()
    while frame.f_code is not main.__code__:
        frame = frame.f_back
    truth["arrays"] = [{"name": name, "address": hex(id(value)), "summary": summary(value)}
                       for name, value in frame.f_locals.items()
                       if isinstance(value, np.ndarray)]
    truth["numpy"] = np.__version__


sample = hdsample.Sample(__doc__, extend=extend)


def main():
    ints = np.arange(12, dtype=np.int64).reshape(3, 4)
    column = ints[:, 1]  # a strided view
    transposed = ints.T  # Fortran order
    floats = np.linspace(0.0, 1.0, 5)
    singles = np.array([0.1, 2.5, -0.0], dtype=np.float32)
    flags = np.array([True, False, True])
    small = np.array([-3, 250, 7], dtype=np.int16)
    tiny = np.array([-128, 5], dtype=np.int8)
    unsigned = np.array([1, 2**64 - 1], dtype=np.uint64)
    complexes = np.array([1 + 2j, -0.5j])
    big = np.arange(1_000_000, dtype=np.float64)
    empty = np.zeros((0, 3))
    scalar = np.array(7.25)
    text = np.array(["ab", "c"])
    sample.record(); sample.stop()


if __name__ == "__main__":
    main()
