"""The built-in example of `scripts/demo`: a small order service that crashes.

Two worker threads wait for work; the main thread validates an order and, finding it bad,
aborts the process (as a C extension hitting an assertion would). The core it leaves is what
`hdconvert show` reads.
"""

import os
import queue
import threading


class Order:
    def __init__(self, order_id, items, customer):
        self.order_id = order_id
        self.items = items
        self.customer = customer


def worker(jobs, name):
    processed = 0
    while True:
        job = jobs.get()          # the workers wait here
        if job is None:
            return
        processed += 1


def total(order):
    amount = 0.0
    for sku, (qty, price) in order.items.items():
        amount += qty * price
    return amount


def validate(order, limits):
    amount = total(order)
    if amount > limits["max_amount"]:
        os.abort()                # the crash: the core is written here
    return amount


def main():
    jobs = queue.Queue()
    workers = [threading.Thread(target=worker, args=(jobs, f"w{i}"), name=f"worker-{i}") for i in range(2)]
    for w in workers:
        w.start()
    order = Order(1042, {"book": (2, 12.5), "lamp": (1, 49.99), "café ☕": (3, 2.8)}, "Zoë")
    limits = {"max_amount": 50, "currency": "EUR"}
    validate(order, limits)


if __name__ == "__main__":
    main()
