"""A batch's hits per row: every rule that matched the row, in rule order, with its branch's settings."""

import random

import numpy as np

from risk.rules.hits import BatchHits, Hit


def _hit(j: int, variant: int) -> Hit:
    return Hit(f"R{j}", f"C{j}", "REVIEW", 0.1 * variant, 1, False)


def test_hits_of_each_row_equal_a_nonzero_scan_of_that_row_on_random_matrices():
    rng = random.Random(31)
    for _ in range(200):
        rows, rules, variants = rng.randint(0, 12), rng.randint(1, 9), rng.randint(1, 3)
        matrix = np.array([[rng.random() < 0.3 for _ in range(rules)] for _ in range(rows)], dtype=bool)
        matrix = matrix.reshape(rows, rules)
        row_variant = np.array([rng.randrange(variants) for _ in range(rows)], dtype=np.int64)
        tables = tuple({j: _hit(j, v) for j in range(rules)} for v in range(variants))
        batch = BatchHits(matrix, tuple(f"R{j}" for j in range(rules)), row_variant, tables)
        for row in rng.sample(range(rows), rows):  # any order of reads
            expected = [tables[int(row_variant[row])][int(j)] for j in np.flatnonzero(matrix[row])]
            assert batch.hits(row) == expected
