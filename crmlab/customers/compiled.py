"""The per-customer aggregates of the RFM summary as one compiled pass (numba), for large logs.

:func:`crmlab.customers.summary.transaction_summary` needs, per customer, the
number of *distinct* transaction periods and the value of the purchases after
the first period. A Polars group-by computes the distinct count with a hash set
per customer, and the repeat value needs a second pass joined to each
customer's first period; together about 4× the time of a plain group-by
count/min/sum at 10M rows (``benchmarks/results/summary_scale.md``). Here the
rows are instead

1. read once by Polars (streaming scan): a 64-bit hash of the customer id (for
   integer ids, the id itself, hashed by the kernels: :func:`mix64`), the period
   ordinal, the timestamp and the amount;
2. scattered into 2^b partitions by the top bits of the hash (radix
   partitioning: each partition's hash table then fits in the CPU cache);
3. per partition: each row gets its customer's local number from an
   open-addressing hash table, the rows are counting-sorted by customer, and
   each customer's few rows sorted by period (a heavy buyer's are not sorted:
   his distinct periods are marked in a table) and walked once for every
   aggregate: distinct periods, first and last period, repeat spend summed
   directly, holdout transactions, purchases after the end.

The kernels release the GIL and run on a thread pool, runs of partitions (or
chunks of rows) in parallel; numba's own threading layer is not used, so
summaries may run concurrently in several threads.

Customers are told apart by the hash. Text ids are then checked exactly: every
row's id is compared with the id of the first row of its customer. Two
different ids with the same hash (about 3 chances in a million among 10M
customers) are found by that check, and the summary is then computed by the
Polars group-by instead; so the result never depends on the hash. Integer ids
are hashed by a bijection of the 64-bit integers (:func:`mix64`), so two of
them never share a hash and need no check. The output is the table of
:func:`crmlab.customers.summary.summary_aggregates`, the same to rounding of
the float sums (which are summed in a different order); the tests compare the
two on random logs.

Compiling the kernels takes about 10 s the first time, and numba caches them on
disk after that. Loading them from the cache still costs about 0.5 s a process,
which a small log does not repay: below
:data:`crmlab.customers.summary.COMPILED_MIN_ROWS` rows, the collected frame is
summarised by the Polars group-by.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import polars as pl
from numba import njit

__all__ = ["column_chunks", "customer_aggregates", "mix64", "partition_bits", "warm_up"]

#: Rows per partition aimed at: a partition's hash table and sort buffers stay in the CPU cache.
ROWS_PER_PARTITION = 32_768
#: Rows compared per step of the exact id check (its buffers stay small and warm).
CHECK_CHUNK = 1_000_000


def partition_bits(n_rows: int) -> int:
    """Number of radix bits b: 2^b partitions of about :data:`ROWS_PER_PARTITION` rows (1 ≤ b ≤ 16).

    >>> partition_bits(10_000_000)
    9
    >>> partition_bits(10)
    1
    """
    return int(min(16, max(1, math.ceil(math.log2(max(n_rows, 1) / ROWS_PER_PARTITION)))))


@njit(cache=True, nogil=True)
def mix64(x):  # pragma: no cover - compiled
    """The 64-bit hash of an integer id: splitmix64's finalizer (Steele, Lea & Flood 2014) of x + 2^64/φ.

    Each step (adding a constant, ``x ^ (x >> k)`` for k ≥ 1, multiplying by an odd constant, all
    modulo 2^64) is invertible, so the hash is a bijection of the 64-bit integers: two different
    ids never share a hash (the tests invert it), and integer ids need no exact check. It spreads
    consecutive ids over the high bits, which choose the partition.

    >>> int(mix64(np.uint64(0))) != int(mix64(np.uint64(1)))
    True
    """
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def _histogram(h, bits, mix):  # pragma: no cover - compiled
    """Rows per partition (the top ``bits`` of the hash) in one chunk of the rows (``mix``: ``h`` holds integer
    ids, hashed here by :func:`mix64`)."""
    counts = np.zeros(1 << bits, np.int64)
    shift = np.uint64(64 - bits)
    for i in range(h.size):
        key = mix64(h[i]) if mix else h[i]
        counts[key >> shift] += 1
    return counts


@njit(cache=True, nogil=True)
def _scatter(h, ords, ts, amount, first, bits, mix, pos, row, ph, po, pt, pa):  # pragma: no cover - compiled
    """Write one chunk's rows (rows ``first``, ``first + 1``, … of the log) at their partitions' cursors ``pos``."""
    shift = np.uint64(64 - bits)
    for i in range(h.size):
        key = mix64(h[i]) if mix else h[i]
        p = key >> shift
        q = pos[p]
        row[q] = first + i
        ph[q] = key
        po[q] = ords[i]
        pt[q] = ts[i]
        pa[q] = amount[i]
        pos[p] = q + 1


def _partition(chunks: list[tuple[np.ndarray, ...]], bits: int, pool: ThreadPoolExecutor, mix: bool = False) -> tuple[np.ndarray, ...]:
    """Scatter the rows by the top ``bits`` of their hash; rows keep their order within a partition.

    ``chunks``: the log's rows as chunks of (hash, period, ns, amount) arrays, read where Polars
    holds them (no concatenated copy); the chunks are counted and written in parallel threads
    (the kernels release the GIL), each at its own place in every partition. With ``mix``, the
    first arrays hold integer ids (as uint64), hashed by :func:`mix64` as they are read.
    """
    counts = np.stack(list(pool.map(lambda c: _histogram(c[0], bits, mix), chunks)))  # chunk × partition
    bounds = np.concatenate([[0], np.cumsum(counts.sum(axis=0))])
    # chunk c writes partition p from bounds[p] + the rows of p in the chunks before c
    cursors = bounds[:-1] + np.cumsum(counts, axis=0) - counts
    n = int(bounds[-1])
    row = np.empty(n, np.int32 if n < 2**31 else np.int64)  # row numbers: 4 bytes a row where they fit
    ph = np.empty(n, np.uint64)
    po, pt, pa = np.empty(n, np.int32), np.empty(n, np.int64), np.empty(n, np.float64)
    firsts = np.concatenate([[0], np.cumsum([c[0].size for c in chunks])])
    jobs = [pool.submit(_scatter, *chunk, int(firsts[k]), bits, mix, cursors[k].copy(), row, ph, po, pt, pa) for k, chunk in enumerate(chunks)]
    for job in jobs:
        job.result()
    return bounds, row, ph, po, pt, pa


@njit(cache=True, nogil=True)
def _local_codes(ph, bounds, p0, p1, code, n_customers):  # pragma: no cover - compiled
    """For partitions p0 … p1 − 1: each row's customer number in its partition (0, 1, … in order of first
    appearance) into ``code``, and the partition's number of customers into ``n_customers``."""
    for p in range(p0, p1):
        lo, hi = bounds[p], bounds[p + 1]
        cap = 16
        while cap < 2 * (hi - lo):
            cap *= 2
        mask = np.uint64(cap - 1)
        keys = np.empty(cap, np.uint64)
        slots = np.full(cap, -1, np.int32)
        k = 0
        for r in range(lo, hi):
            key = ph[r]
            # the low bits (the top ones chose the partition), remixed so that clustered ids spread
            j = ((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(32)) & mask
            while True:
                s = slots[j]
                if s < 0:
                    keys[j] = key
                    slots[j] = k
                    code[r] = k
                    k += 1
                    break
                if keys[j] == key:
                    code[r] = s
                    break
                j = (j + np.uint64(1)) & mask
        n_customers[p] = k


@njit(cache=True, nogil=True)
def _distinct_periods(so, st, s0, s1, t_lo, t_hi, o_min, o_max):  # pragma: no cover - compiled
    """Distinct periods of the rows s0 … s1 − 1 with t_lo ≤ t < t_hi, all within [o_min, o_max]: marked in a
    table of the span (O(m + span)), or sorted where the span is much longer than the rows."""
    span = o_max - o_min + 1
    m = s1 - s0
    n = 0
    if span <= 8 * m + 4096:
        seen = np.zeros(span, np.bool_)
        for x in range(s0, s1):
            if t_lo <= st[x] < t_hi:
                j = so[x] - o_min
                if not seen[j]:
                    seen[j] = True
                    n += 1
        return n
    values = np.empty(m, np.int32)
    k = 0
    for x in range(s0, s1):
        if t_lo <= st[x] < t_hi:
            values[k] = so[x]
            k += 1
    values = np.sort(values[:k])
    for i in range(k):
        if i == 0 or values[i] != values[i - 1]:
            n += 1
    return n


@njit(cache=True, nogil=True)
def _aggregate(
    code, n_customers, base, bounds, row, po, pt, pa, next_split, end_next, p0, p1, int_out, first_late, float_out, first_row, first_of
):  # pragma: no cover - compiled
    """Every aggregate of every customer of partitions p0 … p1 − 1, into the output arrays at ``base[p]`` + number.

    Calibration rows have t < next_split, holdout rows next_split ≤ t < end_next, late rows
    t ≥ end_next (t in ns since the epoch). A customer's rows are gathered (counting sort by
    customer number), then a customer with at most 32 rows is sorted by period (insertion sort)
    and walked once; a heavier one is walked without sorting (first period found first, the
    distinct periods counted by :func:`_distinct_periods`), so a catch-all id holding most of the
    log costs linear time.
    """
    t_min_all = np.iinfo(np.int64).min
    for p in range(p0, p1):
        lo, hi, kp, b0 = bounds[p], bounds[p + 1], n_customers[p], base[p]
        off = np.zeros(kp + 1, np.int64)
        for r in range(lo, hi):
            off[code[r] + 1] += 1
        for k in range(kp):
            off[k + 1] += off[k]
        pos = off[:kp].copy()
        so = np.empty(hi - lo, np.int32)
        st = np.empty(hi - lo, np.int64)
        sa = np.empty(hi - lo, np.float64)
        for r in range(lo, hi):
            k = code[r]
            q = pos[k]
            if q == off[k]:
                first_row[b0 + k] = row[r]  # rows keep their order in a partition: the first is the smallest
            pos[k] = q + 1
            so[q] = po[r]
            st[q] = pt[r]
            sa[q] = pa[r]
        for r in range(lo, hi):
            first_of[row[r]] = first_row[b0 + code[r]]
        for k in range(kp):
            s0, s1 = off[k], off[k + 1]
            n_c = 0
            n_per = 0
            first_o = 0
            last_o = 0
            t_min = 0
            t_max = 0
            total = 0.0
            repeat = 0.0
            n_hold = 0
            last_h = 0
            hold = 0.0
            n_late = 0
            t_late = 0
            if s1 - s0 <= 32:
                for x in range(s0 + 1, s1):  # insertion sort by period: most customers have few rows
                    o, t, a = so[x], st[x], sa[x]
                    y = x - 1
                    while y >= s0 and so[y] > o:
                        so[y + 1], st[y + 1], sa[y + 1] = so[y], st[y], sa[y]
                        y -= 1
                    so[y + 1], st[y + 1], sa[y + 1] = o, t, a
                for x in range(s0, s1):
                    t, o, a = st[x], so[x], sa[x]
                    if t < next_split:
                        if n_c == 0:
                            first_o, last_o, t_min, t_max, n_per = o, o, t, t, 1
                        else:
                            t_min = min(t_min, t)
                            t_max = max(t_max, t)
                            if o != last_o:
                                n_per += 1
                                last_o = o
                        if o != first_o:
                            repeat += a  # summed directly, not total − first (no cancellation)
                        total += a
                        n_c += 1
                    elif t < end_next:
                        if n_hold == 0 or o != last_h:
                            n_hold += 1
                            last_h = o
                        hold += a
                    else:
                        t_late = t if n_late == 0 else min(t_late, t)
                        n_late += 1
            else:
                n_hold_rows = 0
                first_h = 0
                for x in range(s0, s1):  # the extremes and sums first
                    t, o, a = st[x], so[x], sa[x]
                    if t < next_split:
                        if n_c == 0:
                            first_o, last_o, t_min, t_max = o, o, t, t
                        else:
                            first_o, last_o = min(first_o, o), max(last_o, o)
                            t_min, t_max = min(t_min, t), max(t_max, t)
                        total += a
                        n_c += 1
                    elif t < end_next:
                        first_h, last_h = (o, o) if n_hold_rows == 0 else (min(first_h, o), max(last_h, o))
                        hold += a
                        n_hold_rows += 1
                    else:
                        t_late = t if n_late == 0 else min(t_late, t)
                        n_late += 1
                if n_c > 0:
                    for x in range(s0, s1):
                        if st[x] < next_split and so[x] != first_o:
                            repeat += sa[x]  # summed directly, not total − first (no cancellation)
                    n_per = _distinct_periods(so, st, s0, s1, t_min_all, next_split, first_o, last_o)
                if n_hold_rows > 0:
                    n_hold = _distinct_periods(so, st, s0, s1, next_split, end_next, first_h, last_h)
            g = b0 + k
            int_out[0, g] = n_per
            int_out[1, g] = first_o
            int_out[2, g] = last_o
            int_out[3, g] = n_c
            int_out[4, g] = t_min
            int_out[5, g] = t_max
            int_out[6, g] = n_hold
            int_out[7, g] = n_late
            first_late[g] = t_late
            float_out[0, g] = repeat
            float_out[1, g] = total
            float_out[2, g] = hold


def _threads() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _tasks(bounds: np.ndarray, n_tasks: int) -> list[tuple[int, int]]:
    """Runs of consecutive partitions with about equal numbers of rows, one per task of the thread pool."""
    n_parts = bounds.size - 1
    cuts = np.searchsorted(bounds, np.linspace(0, bounds[-1], n_tasks + 1)[1:-1])
    edges = np.unique(np.concatenate([[0], np.clip(cuts, 0, n_parts), [n_parts]]))
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _number_customers(ph, bounds, tasks: list[tuple[int, int]], pool: ThreadPoolExecutor) -> tuple[np.ndarray, np.ndarray]:
    """Each partitioned row's customer number in its partition, and the customers per partition."""
    code = np.empty(ph.size, np.int32)
    n_customers = np.zeros(bounds.size - 1, np.int64)
    for job in [pool.submit(_local_codes, ph, bounds, p0, p1, code, n_customers) for p0, p1 in tasks]:
        job.result()
    return code, n_customers


def _aggregate_all(code, n_customers, bounds, row, po, pt, pa, next_split: int, end_next: int, tasks: list[tuple[int, int]], pool: ThreadPoolExecutor):
    """The aggregates of every customer (customers numbered partition by partition), runs of partitions in parallel."""
    base = np.concatenate([[0], np.cumsum(n_customers)])
    total = int(base[-1])
    int_out = np.zeros((8, total), np.int64)  # n_periods first_ord last_ord n_purchases first last freq_holdout n_late
    first_late = np.zeros(total, np.int64)
    float_out = np.zeros((3, total), np.float64)  # repeat_spend total_spend holdout_spend
    first_row = np.zeros(total, row.dtype)
    first_of = np.empty(row.size, row.dtype)  # for each row (in the input's order): its customer's first row
    out = (int_out, first_late, float_out, first_row, first_of)
    for job in [pool.submit(_aggregate, code, n_customers, base, bounds, row, po, pt, pa, next_split, end_next, p0, p1, *out) for p0, p1 in tasks]:
        job.result()
    return out


def warm_up() -> None:
    """Load the kernels (compiling them on first use; numba caches them on disk) by running them on a tiny log.

    Loading costs about 0.4 s per process even from the cache (numba's start), so the summary
    calls this once per process, in a background thread, while Polars reads the rows (see
    :func:`crmlab.customers.summary.transaction_summary`). The arrays are read-only, as those
    Polars lends without copying, so that the same compiled versions serve the real calls;
    one customer has 40 rows, so both walks are compiled.
    """
    n = 48
    h = (np.arange(n, dtype=np.uint64) % np.uint64(2)) << np.uint64(63)
    columns = (h, np.arange(n, dtype=np.int32), np.arange(n, dtype=np.int64), np.ones(n))
    for column in columns:
        column.setflags(write=False)
    with ThreadPoolExecutor(1) as pool:
        for mix in (False, True):  # text ids' hashes, integer ids
            bounds, row, ph, po, pt, pa = _partition([columns], 1, pool, mix)
            tasks = _tasks(bounds, 1)
            _aggregate_all(*_number_customers(ph, bounds, tasks, pool), bounds, row, po, pt, pa, 24, 36, tasks, pool)


def _ids_match(ids: pl.Series, first_of: np.ndarray) -> bool:
    """True if every row's id equals the id of its customer's first row (no hash collision merged two ids)."""
    ids = ids.rechunk()
    for start in range(0, first_of.size, CHECK_CHUNK):
        own = ids.slice(start, CHECK_CHUNK)
        if not (own == ids.gather(first_of[start : start + CHECK_CHUNK])).all():
            return False
    return True


def customer_aggregates(
    ids: pl.Series, chunks: list[tuple[np.ndarray, ...]], next_split: pd.Timestamp, end_next: pd.Timestamp
) -> pl.DataFrame | None:
    """The table of :func:`~crmlab.customers.summary.summary_aggregates` from the rows read, compiled.

    ``ids``: the customer ids of the rows (String, or Int64 ids); ``chunks``: the rows' other columns, from
    :func:`column_chunks`, emptied here once partitioned so that their memory can be released
    (the caller keeps no other reference). ``next_split`` and ``end_next`` are the days after the
    calibration end and the observation end. Returns None if two different text ids share a hash
    (the caller then uses the Polars group-by). Integer ids are hashed here by :func:`mix64`, a
    bijection: they never share a hash, and are not checked again.
    """
    integer_ids = ids.dtype.is_integer()
    with ThreadPoolExecutor(_threads()) as pool:
        bounds, row, ph, po, pt, pa = _partition(chunks, partition_bits(len(ids)), pool, integer_ids)
        chunks.clear()
        tasks = _tasks(bounds, 4 * _threads())  # runs of partitions with about equal rows
        code, n_customers = _number_customers(ph, bounds, tasks, pool)
        del ph
        ints, first_late, floats, first_row, first_of = _aggregate_all(
            code, n_customers, bounds, row, po, pt, pa, _epoch_ns(next_split), _epoch_ns(end_next), tasks, pool
        )
    del code, row, po, pt, pa
    if not integer_ids and not _ids_match(ids, first_of):
        return None
    del first_of
    bought, late = ints[3] > 0, ints[7] > 0

    def when(mask: np.ndarray, values: np.ndarray, dtype: pl.DataType) -> pl.Series:
        if mask.all():  # every customer (without a calibration period, every one has bought and none is late)
            return pl.Series(values).cast(dtype)
        if not mask.any():
            return pl.repeat(None, len(mask), dtype=dtype, eager=True)
        return pl.Series(values).cast(dtype).scatter(np.flatnonzero(~mask), None)

    stamp = pl.Datetime("ns")
    return pl.DataFrame(
        {
            "customer_id": ids.gather(first_row),
            "n_periods": ints[0],
            "first_ord": when(bought, ints[1], pl.Int32),
            "last_ord": when(bought, ints[2], pl.Int32),
            "total_spend": floats[1],
            "n_purchases": ints[3],
            "first_purchase": when(bought, ints[4], stamp),
            "last_purchase": when(bought, ints[5], stamp),
            "frequency_holdout": ints[6],
            "holdout_spend": floats[2],
            "n_late": ints[7],
            "first_late": when(late, first_late, stamp),
            "repeat_spend": floats[0],
        }
    )


def column_chunks(frame: pl.DataFrame) -> list[tuple[np.ndarray, ...]]:
    """The kernels' input: the (hash or id, period, ns, amount) columns as numpy arrays, chunk by chunk, without copying.

    ``frame`` holds one row per purchase: ``date`` (Datetime, ns), ``amount`` (Float64), ``ord``
    (Int32, the period ordinal) and either ``_h`` (UInt64, a hash of text ids) or Int64
    ``customer_id`` (hashed by the kernels, :func:`mix64`), without nulls.
    """
    key = frame["_h"] if "_h" in frame.columns else frame["customer_id"].reinterpret(signed=False)
    columns = [key, frame["ord"], frame["date"].to_physical(), frame["amount"]]
    parts = [column.get_chunks() for column in columns]
    if len({tuple(len(c) for c in chunks) for chunks in parts}) > 1:  # columns chunked differently
        parts = [[column.rechunk()] for column in columns]
    return [tuple(c.to_numpy() for c in chunk) for chunk in zip(*parts)]


def _epoch_ns(day: pd.Timestamp) -> int:
    return int((day - pd.Timestamp("1970-01-01")) // pd.Timedelta(1, "ns"))
