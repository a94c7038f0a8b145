using System.Collections;

namespace HealthService.History;

/// <summary>
/// A queue of records kept in fixed-size segments, appended at the end and dropped from the front, a slot never written
/// twice: a <see cref="Slice"/> taken under the owner's lock references the segments instead of copying the records,
/// and stays exactly as it was taken whatever is appended or dropped after. A reader therefore copies nothing and
/// holds no lock while it reads.
/// </summary>
/// <remarks>Not thread-safe: the owner appends, drops and slices under its own lock.</remarks>
internal sealed class SegmentedLog<T>
{
    /// <summary>
    /// Records per segment: 16 KB of probe results, below the large object heap's 85 KB, and few segment references
    /// to copy per slice (196 for 100000 records).
    /// </summary>
    public const int SegmentLength = 512;

    private readonly Queue<T[]> _segments = new();
    private T[]? _last;
    private int _head; // the first live record's index in the first segment
    private int _tail; // how many slots of the last segment are written

    public int Count { get; private set; }

    /// <summary>The oldest record; the log must not be empty.</summary>
    public T First => Count > 0 ? _segments.Peek()[_head] : throw new InvalidOperationException("The log is empty.");

    public void Append(T record)
    {
        if (_last is null || _tail == SegmentLength)
        {
            _last = new T[SegmentLength];
            _segments.Enqueue(_last);
            _tail = 0;
        }

        _last[_tail++] = record;
        Count++;
    }

    /// <summary>Drops the oldest record. Its slot is left as it is, for the slices that still read it.</summary>
    public void DropFirst()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The log is empty.");
        }

        _head++;
        Count--;
        if (_head == SegmentLength)
        {
            _segments.Dequeue();
            _head = 0;
            if (_segments.Count == 0)
            {
                _last = null;
            }
        }
    }

    /// <summary>The records now, oldest first, by reference to their segments.</summary>
    public Slice Take() => new([.. _segments], _head, Count);

    /// <summary>The records of a log at one moment: what was appended later, or dropped, changes nothing in it.</summary>
    public sealed class Slice(T[][] segments, int head, int count) : IReadOnlyList<T>
    {
        public int Count => count;

        public T this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
                var slot = head + index;
                return segments[slot / SegmentLength][slot % SegmentLength];
            }
        }

        /// <summary>A copy of the records, one block copy a segment.</summary>
        public T[] ToArray()
        {
            var copy = new T[count];
            var copied = 0;
            for (var i = 0; copied < count; i++)
            {
                var from = i == 0 ? head : 0;
                var length = Math.Min(SegmentLength - from, count - copied);
                Array.Copy(segments[i], from, copy, copied, length);
                copied += length;
            }

            return copy;
        }

        public IEnumerator<T> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
