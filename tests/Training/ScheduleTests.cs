using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>Each schedule's rate at given steps, as PyTorch's StepLR / CosineAnnealingLR define it.</summary>
public class ScheduleTests
{
    [Fact]
    public void ConstantIsConstant()
    {
        var schedule = new ConstantSchedule(0.01);
        Assert.Equal(0.01, schedule.At(0));
        Assert.Equal(0.01, schedule.At(1_000_000));
    }

    [Fact]
    public void StepDecayMultipliesByGammaEveryKSteps()
    {
        var schedule = new StepDecaySchedule(0.1, every: 10, gamma: 0.5);
        Assert.Equal(0.1, schedule.At(0));
        Assert.Equal(0.1, schedule.At(9));
        Assert.Equal(0.05, schedule.At(10));
        Assert.Equal(0.05, schedule.At(19));
        Assert.Equal(0.025, schedule.At(20), 15);
        Assert.Equal(0.1 * Math.Pow(0.5, 7), schedule.At(75), 15);
    }

    [Fact]
    public void CosineAnnealsFromTheInitialRateToTheMinimum()
    {
        var schedule = new CosineAnnealingSchedule(0.1, steps: 100, minimum: 0.001);
        Assert.Equal(0.1, schedule.At(0), 15);
        Assert.Equal((0.1 + 0.001) / 2, schedule.At(50), 15);
        // PyTorch's closed form: η_min + (η_max − η_min)(1 + cos(π t / T_max)) / 2.
        Assert.Equal(0.001 + 0.099 * (1 + Math.Cos(Math.PI * 25 / 100)) / 2, schedule.At(25), 15);
        Assert.Equal(0.001 + 0.099 * (1 + Math.Cos(Math.PI * 90 / 100)) / 2, schedule.At(90), 15);
        Assert.Equal(0.001, schedule.At(100), 15);
        Assert.Equal(0.001, schedule.At(5000));
        for (var t = 1; t <= 100; t++) Assert.True(schedule.At(t) < schedule.At(t - 1));
    }

    [Fact]
    public void WarmUpRampsLinearlyThenHandsOverToTheInnerSchedule()
    {
        var inner = new CosineAnnealingSchedule(0.1, steps: 100, minimum: 0.001);
        var schedule = new WarmupSchedule(inner, warmup: 4);
        Assert.Equal(0.1 * 1 / 5, schedule.At(0), 15);
        Assert.Equal(0.1 * 2 / 5, schedule.At(1), 15);
        Assert.Equal(0.1 * 4 / 5, schedule.At(3), 15);
        Assert.Equal(inner.At(0), schedule.At(4));
        Assert.Equal(inner.At(30), schedule.At(34));
        Assert.Equal(0.001, schedule.At(104), 15);
        Assert.Equal(0.02, new WarmupSchedule(new ConstantSchedule(0.02), 0).At(0));
    }

    [Fact]
    public void ApplyToSetsTheRateOfTheOptimizersNextStep()
    {
        double[] values = [0.0], gradients = [1.0];
        var sgd = new Sgd<double>(new ParameterSet<double>().Add("p", values, gradients), 1.0);
        var schedule = new StepDecaySchedule(0.5, every: 2, gamma: 0.1);
        for (var t = 0; t < 4; t++)
        {
            schedule.ApplyTo(sgd);
            Assert.Equal(schedule.At(t), sgd.LearningRate);
            sgd.Step();
        }
        Assert.Equal(-(0.5 + 0.5 + 0.05 + 0.05), values[0], 15);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(0)).ParamName);
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(double.NaN)).ParamName);
        Assert.Equal("every", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(0.1, 0, 0.5)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(0.1, 5, -0.5)).ParamName);
        Assert.Equal("initial", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecaySchedule(-0.1, 5, 0.5)).ParamName);
        Assert.Equal("steps", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingSchedule(0.1, 0, 0.01)).ParamName);
        // A minimum of 0 would end on a rate the optimizer rejects.
        Assert.Equal("minimum", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingSchedule(0.1, 10, 0)).ParamName);
        Assert.Equal("minimum", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingSchedule(0.1, 10, 0.2)).ParamName);
        Assert.Equal("warmup", Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupSchedule(new ConstantSchedule(1), -1)).ParamName);
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(1).At(-1)).ParamName);
    }
}
