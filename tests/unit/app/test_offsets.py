"""app/offsets.py: per-partition lag rows from acked positions, commits and log ends."""

from __future__ import annotations

from app.offsets import PartitionOffsets, partition_offsets


def test_rows_cover_assigned_partitions_only():
    rows = partition_offsets({("tx", 0), ("tx", 1)}, acked={("tx", 0): 10, ("other", 0): 99},
                             committed={("tx", 0): 8, ("tx", 1): 5}, end={("tx", 0): 12, ("tx", 1): 7})
    assert rows == [PartitionOffsets("tx", 0, 10, 8, 12), PartitionOffsets("tx", 1, 5, 5, 7)]
    assert [(r.consumer_lag, r.commit_lag) for r in rows] == [(2, 2), (2, 0)]


def test_a_partition_never_committed_counts_from_zero():
    (row,) = partition_offsets({("tx", 0)}, acked={("tx", 0): 3}, committed={}, end={("tx", 0): 4})
    assert (row.committed, row.commit_lag, row.consumer_lag) == (0, 3, 1)


def test_lags_never_go_negative():
    row = PartitionOffsets("tx", 0, acked=5, committed=7, end=6)
    assert (row.commit_lag, row.consumer_lag) == (0, 0)
