using System.Numerics;

namespace RnnGen.Training;

/// <summary>
/// A learning rate as a function of the step: <see cref="At"/>(t) is the rate of update t (0-based, the optimizer's
/// StepCount before the update). Every schedule returns finite rates &gt; 0, which is what
/// <see cref="Optimizer{T}.LearningRate"/> accepts.
/// </summary>
/// <remarks>Thread safety: the schedules here are immutable; At may be called from any thread.</remarks>
public interface ILearningRateSchedule
{
    /// <summary>The rate of update <paramref name="step"/> (0-based): finite and &gt; 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    double At(int step);
}

/// <remarks>Thread safety: stateless; safe to call from any number of threads at once (on buffers no other thread writes).</remarks>
public static class LearningRateSchedules
{
    /// <summary>Sets the optimizer's rate for its next step: <c>optimizer.LearningRate = schedule.At(optimizer.StepCount)</c>.</summary>
    public static void ApplyTo<T>(this ILearningRateSchedule schedule, Optimizer<T> optimizer)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(optimizer);
        optimizer.LearningRate = schedule.At(optimizer.StepCount);
    }

    internal static double Rate(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and > 0.");

    internal static void Check(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be >= 0.");
    }
}

/// <summary>The same rate at every step.</summary>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed class ConstantSchedule(double rate) : ILearningRateSchedule
{
    /// <summary>The rate at every step.</summary>
    public double Rate { get; } = LearningRateSchedules.Rate(rate, nameof(rate));

    /// <inheritdoc/>
    public double At(int step)
    {
        LearningRateSchedules.Check(step);
        return Rate;
    }
}

/// <summary>PyTorch StepLR: initial · γ^⌊t / every⌋.</summary>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed class StepDecaySchedule : ILearningRateSchedule
{
    /// <summary>Multiplies <paramref name="initial"/> by <paramref name="gamma"/> every <paramref name="every"/> steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is not finite and &gt; 0, or <paramref name="every"/> is below 1.</exception>
    public StepDecaySchedule(double initial, int every, double gamma)
    {
        Initial = LearningRateSchedules.Rate(initial, nameof(initial));
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "every must be >= 1.");
        Every = every;
        Gamma = LearningRateSchedules.Rate(gamma, nameof(gamma));
    }

    /// <summary>The rate at step 0.</summary>
    public double Initial { get; }
    /// <summary>Steps between decays.</summary>
    public int Every { get; }
    /// <summary>γ: the factor of each decay.</summary>
    public double Gamma { get; }

    /// <inheritdoc/>
    public double At(int step)
    {
        LearningRateSchedules.Check(step);
        return Initial * Math.Pow(Gamma, step / Every);
    }
}

/// <summary>
/// PyTorch CosineAnnealingLR over one half period: minimum + (initial − minimum)·(1 + cos(π·t / steps))/2 for
/// t ≤ steps, then the minimum (PyTorch would climb back up). The minimum must be &gt; 0: a rate of 0 is not a rate.
/// </summary>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed class CosineAnnealingSchedule : ILearningRateSchedule
{
    /// <summary>Anneals from <paramref name="initial"/> to <paramref name="minimum"/> over <paramref name="steps"/> steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is not finite and &gt; 0, <paramref name="steps"/> is below 1, or the minimum exceeds the initial rate.</exception>
    public CosineAnnealingSchedule(double initial, int steps, double minimum)
    {
        Initial = LearningRateSchedules.Rate(initial, nameof(initial));
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be >= 1.");
        Steps = steps;
        Minimum = LearningRateSchedules.Rate(minimum, nameof(minimum));
        if (minimum > initial)
            throw new ArgumentOutOfRangeException(nameof(minimum), minimum, $"The minimum must not exceed the initial rate, {initial}.");
    }

    /// <summary>The rate at step 0.</summary>
    public double Initial { get; }
    /// <summary>Steps of the half period; the rate stays at <see cref="Minimum"/> after them.</summary>
    public int Steps { get; }
    /// <summary>The final rate.</summary>
    public double Minimum { get; }

    /// <inheritdoc/>
    public double At(int step)
    {
        LearningRateSchedules.Check(step);
        if (step >= Steps) return Minimum;
        return Minimum + (Initial - Minimum) * (1 + Math.Cos(Math.PI * step / Steps)) / 2;
    }
}

/// <summary>
/// Linear warm-up in front of any schedule: for t &lt; warmup, inner.At(0)·(t + 1)/(warmup + 1) (rising, never 0);
/// from then on inner.At(t − warmup), so the inner schedule starts where the warm-up ends.
/// </summary>
/// <remarks>Thread safety: immutable; safe to share between threads.</remarks>
public sealed class WarmupSchedule : ILearningRateSchedule
{
    /// <summary>Warms up over <paramref name="warmup"/> steps, then follows <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmup"/> is negative.</exception>
    public WarmupSchedule(ILearningRateSchedule inner, int warmup)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (warmup < 0) throw new ArgumentOutOfRangeException(nameof(warmup), warmup, "warmup must be >= 0.");
        Inner = inner;
        Warmup = warmup;
    }

    /// <summary>The schedule followed after the warm-up, shifted by <see cref="Warmup"/> steps.</summary>
    public ILearningRateSchedule Inner { get; }
    /// <summary>Steps of the warm-up.</summary>
    public int Warmup { get; }

    /// <inheritdoc/>
    public double At(int step)
    {
        LearningRateSchedules.Check(step);
        return step < Warmup ? Inner.At(0) * (step + 1) / (Warmup + 1) : Inner.At(step - Warmup);
    }
}
