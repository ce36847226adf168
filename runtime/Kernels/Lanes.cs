using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

// Generated kernels call these types; user code never needs them, so IntelliSense hides them (EditorBrowsable).

/// <summary>Unchecked vector loads and stores for generated kernels; the step's Validate has checked the lengths.</summary>
/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VectorLanes
{
    /// <summary>The vector at <paramref name="span"/>[<paramref name="offset"/>..], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Load<T>(ReadOnlySpan<T> span, nint offset) =>
        Vector.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)offset);

    /// <summary>The vector at <paramref name="span"/>[<paramref name="offset"/>..], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Load<T>(Span<T> span, nint offset) =>
        Vector.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)offset);

    /// <summary>Stores <paramref name="value"/> at <paramref name="span"/>[<paramref name="offset"/>..], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Span<T> span, nint offset, Vector<T> value) =>
        value.StoreUnsafe(ref MemoryMarshal.GetReference(span), (nuint)offset);

    /// <summary>Element <paramref name="index"/> of <paramref name="span"/> in every lane (a scalar parameter or a row statistic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Broadcast<T>(ReadOnlySpan<T> span, int index) where T : unmanaged => new Vector<T>(span[index]);

    /// <summary>Adds the sum of the lanes of <paramref name="value"/> to <paramref name="span"/>[<paramref name="index"/>]: a scalar's gradient sums over the units.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSum<T>(Span<T> span, int index, Vector<T> value) where T : unmanaged, INumberBase<T> => span[index] += Vector.Sum(value);
}

/// <summary>The scalar counterpart of <see cref="VectorLanes"/>, for the tail of each row.</summary>
/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ScalarLanes
{
    /// <summary><paramref name="span"/>[<paramref name="offset"/>], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load<T>(ReadOnlySpan<T> span, nint offset) => Unsafe.Add(ref MemoryMarshal.GetReference(span), offset);

    /// <summary><paramref name="span"/>[<paramref name="offset"/>], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Load<T>(Span<T> span, nint offset) => Unsafe.Add(ref MemoryMarshal.GetReference(span), offset);

    /// <summary>Stores <paramref name="value"/> at <paramref name="span"/>[<paramref name="offset"/>], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Span<T> span, nint offset, T value) => Unsafe.Add(ref MemoryMarshal.GetReference(span), offset) = value;

    /// <summary>Element <paramref name="index"/> of <paramref name="span"/> in every lane (a scalar parameter or a row statistic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Broadcast<T>(ReadOnlySpan<T> span, int index) where T : unmanaged => span[index];

    /// <summary>Adds the sum of the lanes of <paramref name="value"/> to <paramref name="span"/>[<paramref name="index"/>]: a scalar's gradient sums over the units.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSum<T>(Span<T> span, int index, T value) where T : unmanaged, INumberBase<T> => span[index] += value;
}

/// <summary>The 512-bit counterpart of <see cref="VectorLanes"/>, used where AVX-512 is accelerated.</summary>
/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Vector512Lanes
{
    /// <summary>The 512-bit vector at <paramref name="span"/>[<paramref name="offset"/>..], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load<T>(ReadOnlySpan<T> span, nint offset) =>
        Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)offset);

    /// <summary>The 512-bit vector at <paramref name="span"/>[<paramref name="offset"/>..], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load<T>(Span<T> span, nint offset) =>
        Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(span), (nuint)offset);

    /// <summary>Stores <paramref name="value"/> at <paramref name="span"/>[<paramref name="offset"/>..], without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<T>(Span<T> span, nint offset, Vector512<T> value) =>
        value.StoreUnsafe(ref MemoryMarshal.GetReference(span), (nuint)offset);

    /// <summary>Element <paramref name="index"/> of <paramref name="span"/> in every lane (a scalar parameter or a row statistic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Broadcast<T>(ReadOnlySpan<T> span, int index) where T : unmanaged => Vector512.Create(span[index]);

    /// <summary>Adds the sum of the lanes of <paramref name="value"/> to <paramref name="span"/>[<paramref name="index"/>]: a scalar's gradient sums over the units.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSum<T>(Span<T> span, int index, Vector512<T> value) where T : unmanaged, INumberBase<T> => span[index] += Vector512.Sum(value);
}
