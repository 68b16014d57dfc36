# A stand-in for the few numpy calls CodeT's evaluation.py makes to print pass@k (np.array, np.prod, np.arange,
# comparisons, .all(), .mean()), for machines without numpy. codet_side_by_side.py puts it on CodeT's path only when
# `import numpy` fails; it takes no part in executing programs.
import math


class ndarray(list):
    def _map(self, f):
        return ndarray(f(x) for x in self)

    def __ge__(self, k):
        return self._map(lambda x: x >= k)

    def __rsub__(self, k):
        return self._map(lambda x: k - x)

    def __rtruediv__(self, k):
        return self._map(lambda x: k / x)

    def all(self):
        return all(self)

    def mean(self):
        return sum(self) / len(self)


def array(xs):
    return ndarray(xs)


def arange(a, b):
    return ndarray(range(a, b))


def prod(xs):
    return math.prod(xs)
