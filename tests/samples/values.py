"""Sample: locals of many types, one thread per group, each parked in its function."""

import os
import sys

import hdsample
from hdsample import FOREVER

sample = hdsample.Sample(__doc__)


class Point:
    """A plain user class: default repr, instance dict."""

    def __init__(self, x, y):
        self.x = x
        self.y = y


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self):
        self.a = 1
        self.b = "two"


def helper(x, y=2):
    return x + y


def ints():
    none = None
    yes = True
    no = False
    zero = 0
    answer = 42
    negative = -17
    big = 2**100 + 12345
    big_negative = -(2**200)
    digit_edge = 2**30
    digit_edge_negative = -(2**30 - 1)
    above_int64 = 2**63
    sample.arrive("ints").release(); FOREVER.acquire()


def floats():
    three = 3.0
    tenth = 0.1
    e16 = 1e16
    small = 1.5e-07
    decimal = 123456789.123
    inf = float("inf")
    minus_inf = float("-inf")
    nan = float("nan")
    minus_zero = -0.0
    e_minus_5 = 1e-5
    denormal = 5e-324
    sample.arrive("floats").release(); FOREVER.acquire()


def strings():
    hello = "hello"
    empty = ""
    latin = "café"
    cjk = "日本語"
    emoji_x = "😀x"
    apostrophe = "it's"
    quote = 'a"b'
    both = 'both \'"'
    controls = "\x00\x7f\t\n\r\\"
    zero_width = "\u200b"
    emoji_escape = "\U0001f600"
    long = "x" * 100000
    sample.arrive("strings").release(); FOREVER.acquire()


def byte_strings():
    empty = b""
    mixed = b"\x00ab\xff'\""
    backslash = b"\\"
    mutable = bytearray(b"ab\x00\xff")
    empty_mutable = bytearray()
    sample.arrive("bytes").release(); FOREVER.acquire()


def containers():
    mixed_list = [1, "two", 3.0, None]
    single = (1,)
    empty_tuple = ()
    pair = (1, 2)
    mixed_dict = {"a": 1, 2: [3], (4,): None}
    empty_dict = {}
    small_set = {1, 2, 3}
    empty_set = set()
    frozen = frozenset({"x"})
    empty_frozen = frozenset()
    nested = [[[[1]]]]
    sample.arrive("containers").release(); FOREVER.acquire()


def shapes():
    loop_list = [1]
    loop_list.append(loop_list)
    loop_dict = {}
    loop_dict["me"] = loop_dict
    long_list = list(range(10000))
    long_dict = {i: str(i) for i in range(1000)}
    a, b, c = Point(1, 2), Point(3, 4), Point(5, 6)
    split = a.__dict__
    holes = dict.fromkeys(range(10))
    del holes[3]
    thinned = set(range(20))
    thinned.discard(3)
    thinned.discard(11)
    sample.arrive("shapes").release(); FOREVER.acquire()


def objects():
    point = Point(7, 8)
    slotted = Slotted()
    cls = Point
    function = helper
    module = os
    builtin_module = sys
    number = complex(1.5, -2)
    sample.arrive("objects").release(); FOREVER.acquire()


def main():
    groups = [ints, floats, strings, byte_strings, containers, shapes, objects]
    for group in groups:
        sample.start(group.__name__.replace("byte_strings", "bytes"), group)
    sample.wait()
    sample.record(); sample.stop()


if __name__ == "__main__":
    main()
