"""Sample: threads parked in many kinds of frames, plus one that keeps running."""

import asyncio
import sys
import threading
import time

import hdsample
from hdsample import FOREVER

sample = hdsample.Sample(__doc__)

DEPTH = 1000
sys.setrecursionlimit(max(sys.getrecursionlimit(), 5 * DEPTH))


def sleeper(seconds):
    label = "zzz"
    started = 1234.5
    sample.arrive("sleeper").release(); time.sleep(seconds)


def lock_waiter():
    lock = threading.Lock()
    lock.acquire()
    tries = 1
    sample.arrive("lock").release(); lock.acquire()


def spin():
    count = 0
    sample.arrive("busy").release()  # hd: busy
    while True:  # hd: busy
        count += 1  # hd: busy


def recurse(n, payload):
    if n > 1:
        return recurse(n - 1, payload)
    sample.arrive("recursion").release(); FOREVER.acquire()


def raw_thread(tag):
    value = tag * 2
    sample.arrive("raw").release(); FOREVER.acquire()


def numbers(limit):
    total = 0
    for i in range(limit):
        if i == 2:
            sample.arrive("generator").release(); FOREVER.acquire()
        total += i
        yield i


def consume():
    seen = []
    for value in numbers(5):
        seen.append(value)


def blocking_call(reason):
    sample.arrive("coroutine").release(); FOREVER.acquire()


async def fetch(key):
    attempt = 1
    blocking_call("fetch " + key)


async def serve():
    key = "alpha"
    result = await fetch(key)
    return result


def run_loop():
    asyncio.run(serve())


def closure_outer(seed):
    counter = 10
    untouched = "outer only"

    def closure_inner(step):
        nonlocal counter
        counter += step + seed
        sample.arrive("closure").release(); FOREVER.acquire()

    closure_inner(5)
    return untouched


class Worker:
    def __init__(self, name):
        self.name = name

    def handle(self, job):
        attempts = 3
        sample.arrive("method").release(); FOREVER.acquire()


def nested_outer(x):
    def nested_inner(y):
        z = y * 2
        sample.arrive("nested").release(); FOREVER.acquire()

    nested_inner(x + 1)


def lambda_runner():
    park = lambda tag: (sample.arrive("lambda").release(), FOREVER.acquire())
    park("λ")


def comprehension_runner():
    base = 7
    squares = [(i * base, sample.arrive("comprehension").release(), FOREVER.acquire()) for i in range(3) if i == 2]
    return squares


def class_builder():
    kind = "demo"

    class Parked:
        attr = 1
        sample.arrive("class_body").release(); FOREVER.acquire()

    return Parked


def main():
    sample.start("sleeper", sleeper, 1e6)
    sample.start("lock", lock_waiter)
    sample.start("busy", spin, volatile=True, allowed_lines=sample.marked_lines("busy"))
    sample.start("recursion", recurse, DEPTH, ("payload", DEPTH))
    sample.start("raw", raw_thread, 21, raw=True)
    sample.start("generator", consume)
    sample.start("coroutine", run_loop)
    sample.start("closure", closure_outer, 100)
    sample.start("method", Worker("w1").handle, "job-1")
    sample.start("nested", nested_outer, 1)
    sample.start("lambda", lambda_runner)
    sample.start("comprehension", comprehension_runner)
    sample.start("class_body", class_builder)
    sample.wait()
    sample.record(); sample.stop()


if __name__ == "__main__":
    main()
