using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>Every optimizer follows PyTorch's documented update rule step for step, minimizes a quadratic, rejects bad
/// hyper-parameters before touching anything, and steps without allocating.</summary>
public class OptimizerTests
{
    private static readonly int[] Lengths = [5, 3];

    /// <summary>An optimizer under test and its reference, for a learning rate.</summary>
    private static (Optimizer<double> Optimizer, PyTorchReference Reference) Case(string name, ParameterSet<double> set, double lr) => name switch
    {
        "sgd" => (new Sgd<double>(set, lr), new SgdReference(0, 0, false, 0) { Lr = lr }),
        "sgd-momentum" => (new Sgd<double>(set, lr, momentum: 0.9), new SgdReference(0.9, 0, false, 0) { Lr = lr }),
        "sgd-dampening-decay" => (new Sgd<double>(set, lr, momentum: 0.8, dampening: 0.3, weightDecay: 0.1), new SgdReference(0.8, 0.3, false, 0.1) { Lr = lr }),
        "sgd-nesterov-decay" => (new Sgd<double>(set, lr, momentum: 0.9, nesterov: true, weightDecay: 0.05), new SgdReference(0.9, 0, true, 0.05) { Lr = lr }),
        "adam" => (new Adam<double>(set, lr), new AdamReference(0.9, 0.999, 1e-8, 0, false, false) { Lr = lr }),
        "adam-decay" => (new Adam<double>(set, lr, 0.8, 0.95, 1e-6, weightDecay: 0.1), new AdamReference(0.8, 0.95, 1e-6, 0.1, false, false) { Lr = lr }),
        "adam-amsgrad" => (new Adam<double>(set, lr, weightDecay: 0.05, amsgrad: true), new AdamReference(0.9, 0.999, 1e-8, 0.05, false, true) { Lr = lr }),
        "adamw" => (new AdamW<double>(set, lr, weightDecay: 0.1), new AdamReference(0.9, 0.999, 1e-8, 0.1, true, false) { Lr = lr }),
        "adamw-amsgrad" => (new AdamW<double>(set, lr, 0.85, 0.99, weightDecay: 0.2, amsgrad: true), new AdamReference(0.85, 0.99, 1e-8, 0.2, true, true) { Lr = lr }),
        "rmsprop" => (new RmsProp<double>(set, lr), new RmsPropReference(0.99, 1e-8, 0, 0, false) { Lr = lr }),
        "rmsprop-centered" => (new RmsProp<double>(set, lr, alpha: 0.9, centered: true), new RmsPropReference(0.9, 1e-8, 0, 0, true) { Lr = lr }),
        "rmsprop-centered-momentum-decay" => (new RmsProp<double>(set, lr, alpha: 0.9, epsilon: 1e-6, weightDecay: 0.05, momentum: 0.5, centered: true),
            new RmsPropReference(0.9, 1e-6, 0.05, 0.5, true) { Lr = lr }),
        "rmsprop-momentum" => (new RmsProp<double>(set, lr, momentum: 0.7), new RmsPropReference(0.99, 1e-8, 0, 0.7, false) { Lr = lr }),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>A gradient that depends on the parameters, so a wrong step changes every later one.</summary>
    private static void Gradient(int entry, double[] theta, double[] gradient)
    {
        for (var i = 0; i < theta.Length; i++)
            gradient[i] = (0.5 + 0.3 * i) * (theta[i] - Math.Sin(i + entry)) + 0.3 * Math.Sin(3 * theta[i]);
    }

    [Theory]
    [InlineData("sgd", 0.1)]
    [InlineData("sgd-momentum", 0.05)]
    [InlineData("sgd-dampening-decay", 0.05)]
    [InlineData("sgd-nesterov-decay", 0.05)]
    [InlineData("adam", 0.02)]
    [InlineData("adam-decay", 0.02)]
    [InlineData("adam-amsgrad", 0.05)]
    [InlineData("adamw", 0.02)]
    [InlineData("adamw-amsgrad", 0.05)]
    [InlineData("rmsprop", 0.01)]
    [InlineData("rmsprop-centered", 0.01)]
    [InlineData("rmsprop-centered-momentum-decay", 0.01)]
    [InlineData("rmsprop-momentum", 0.01)]
    public void FollowsPyTorchsUpdateRule(string name, double lr)
    {
        var random = new Random(7);
        var values = Lengths.Select(n => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 4 - 2).ToArray()).ToArray();
        var gradients = Lengths.Select(n => new double[n]).ToArray();
        var expected = values.Select(v => v.ToArray()).ToArray();
        var expectedGradient = Lengths.Select(n => new double[n]).ToArray();
        // The second entry has decay off: the per-entry flag is part of what is checked.
        var set = new ParameterSet<double>().Add("weight", values[0], gradients[0]).Add("bias", values[1], gradients[1], decay: false);
        var (optimizer, reference) = Case(name, set, lr);

        for (var t = 1; t <= 30; t++)
        {
            if (t == 12)
            {
                // A changed rate is used from the next step on (and by AdamW's decoupled decay).
                optimizer.LearningRate = lr / 3;
                reference.Lr = lr / 3;
            }
            for (var e = 0; e < Lengths.Length; e++)
            {
                Gradient(e, values[e], gradients[e]);
                Gradient(e, expected[e], expectedGradient[e]);
            }
            var before = gradients.Select(g => g.ToArray()).ToArray();
            optimizer.Step();
            for (var e = 0; e < Lengths.Length; e++)
            {
                reference.Step(e, expected[e], expectedGradient[e], decay: e == 0, t);
                Assert.Equal(before[e], gradients[e]); // the optimizer reads gradients, never writes them
                for (var i = 0; i < Lengths[e]; i++)
                    Assert.True(Math.Abs(values[e][i] - expected[e][i]) <= 1e-12 * (1 + Math.Abs(expected[e][i])),
                        $"{name}, step {t}, entry {e}[{i}]: {values[e][i]:R} vs PyTorch's rule {expected[e][i]:R}");
            }
            Assert.Equal(t, optimizer.StepCount);
        }
    }

    [Fact]
    public void AdamWDecaysDecoupledWhileAdamFoldsDecayIntoTheGradient()
    {
        // With a zero gradient Adam's L2 term still passes through the adaptive scaling (a step of ≈ lr per element),
        // while AdamW's decay shrinks the weight by exactly lr·λ·p, and the Adam part is 0/(0 + ε) = 0.
        double[] adamValues = [2.0], adamWValues = [2.0], zero = [0.0];
        var adam = new Adam<double>(new ParameterSet<double>().Add("p", adamValues, zero), 0.1, weightDecay: 0.5);
        var adamW = new AdamW<double>(new ParameterSet<double>().Add("p", adamWValues, zero), 0.1, weightDecay: 0.5);
        adam.Step();
        adamW.Step();
        Assert.Equal(2.0 - 0.1 * 0.5 * 2.0, adamWValues[0], 15);
        Assert.Equal(2.0 - 0.1, adamValues[0], 6);
    }

    [Fact]
    public void NesterovLooksAheadAlongTheMomentum()
    {
        // Two steps with a constant gradient 1, lr 1, μ 0.5: plain momentum steps 1 then 1.5; Nesterov 1.5 then 1.75.
        double[] plain = [0.0], nesterov = [0.0], one = [1.0];
        var a = new Sgd<double>(new ParameterSet<double>().Add("p", plain, one), 1, momentum: 0.5);
        var b = new Sgd<double>(new ParameterSet<double>().Add("p", nesterov, one), 1, momentum: 0.5, nesterov: true);
        a.Step(); b.Step();
        Assert.Equal(-1.0, plain[0]);
        Assert.Equal(-1.5, nesterov[0]);
        a.Step(); b.Step();
        Assert.Equal(-2.5, plain[0]);
        Assert.Equal(-3.25, nesterov[0]);
    }

    [Theory]
    [InlineData("sgd", 0.1, 1e-8)]
    [InlineData("sgd-momentum", 0.05, 1e-8)]
    [InlineData("sgd-nesterov", 0.05, 1e-8)]
    [InlineData("adam", 0.05, 1e-6)]
    [InlineData("adamw", 0.05, 1e-6)]
    [InlineData("rmsprop", 0.01, 1e-6)]
    [InlineData("rmsprop-centered-momentum", 0.01, 1e-6)]
    public void MinimizesAQuadratic(string name, double lr, double bound)
    {
        // L = ½ Σ kᵢ (θᵢ − cᵢ)², condition number 10, in float as training runs.
        const int n = 20;
        var k = Enumerable.Range(0, n).Select(i => 0.5f + 4.5f * i / (n - 1)).ToArray();
        var c = Enumerable.Range(0, n).Select(i => MathF.Sin(i)).ToArray();
        var theta = new float[n];
        var gradient = new float[n];
        var set = new ParameterSet<float>().Add("theta", theta, gradient);
        Optimizer<float> optimizer = name switch
        {
            "sgd" => new Sgd<float>(set, lr),
            "sgd-momentum" => new Sgd<float>(set, lr, momentum: 0.9),
            "sgd-nesterov" => new Sgd<float>(set, lr, momentum: 0.9, nesterov: true),
            "adam" => new Adam<float>(set, lr),
            "adamw" => new AdamW<float>(set, lr, weightDecay: 1e-4),
            "rmsprop" => new RmsProp<float>(set, lr),
            "rmsprop-centered-momentum" => new RmsProp<float>(set, lr, momentum: 0.5, centered: true),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        double Loss()
        {
            double loss = 0;
            for (var i = 0; i < n; i++) loss += 0.5 * k[i] * (theta[i] - c[i]) * (theta[i] - c[i]);
            return loss;
        }
        var initial = Loss();
        var schedule = new CosineAnnealingSchedule(lr, 400, lr / 100);
        for (var t = 0; t < 500; t++)
        {
            for (var i = 0; i < n; i++) gradient[i] = k[i] * (theta[i] - c[i]);
            schedule.ApplyTo(optimizer);
            optimizer.Step();
        }
        Assert.True(Loss() < bound * initial, $"{name}: loss {Loss():E3} after 500 steps, from {initial:E3}; bound {bound * initial:E3}");
    }

    [Theory]
    [InlineData("sgd", "learningRate", 0.0)]
    [InlineData("sgd", "learningRate", -0.1)]
    [InlineData("sgd", "learningRate", double.NaN)]
    [InlineData("sgd", "learningRate", double.PositiveInfinity)]
    [InlineData("sgd", "momentum", -0.9)]
    [InlineData("sgd", "momentum", double.NaN)]
    [InlineData("sgd", "dampening", -0.1)]
    [InlineData("sgd", "dampening", double.NaN)]
    [InlineData("sgd", "weightDecay", -1e-4)]
    [InlineData("sgd", "weightDecay", double.NaN)]
    [InlineData("adam", "learningRate", 0.0)]
    [InlineData("adam", "learningRate", double.NaN)]
    [InlineData("adam", "beta1", -0.1)]
    [InlineData("adam", "beta1", 1.0)]
    [InlineData("adam", "beta2", double.NaN)]
    [InlineData("adam", "beta2", 1.5)]
    [InlineData("adam", "epsilon", -1e-8)]
    [InlineData("adam", "epsilon", double.NaN)]
    [InlineData("adam", "weightDecay", -0.01)]
    [InlineData("adamw", "learningRate", -1.0)]
    [InlineData("adamw", "weightDecay", double.NaN)]
    [InlineData("adamw", "beta1", double.NaN)]
    [InlineData("rmsprop", "learningRate", double.NaN)]
    [InlineData("rmsprop", "alpha", -0.5)]
    [InlineData("rmsprop", "alpha", double.NaN)]
    [InlineData("rmsprop", "epsilon", -1.0)]
    [InlineData("rmsprop", "weightDecay", -1.0)]
    [InlineData("rmsprop", "momentum", -0.5)]
    [InlineData("rmsprop", "momentum", double.NaN)]
    public void BadHyperParametersThrowBeforeAnyWork(string kind, string parameter, double value)
    {
        double[] values = [1, 2, 3], gradients = [0.5, -0.5, 0.25];
        var set = new ParameterSet<double>().Add("p", values, gradients);
        double Get(string name, double fallback) => name == parameter ? value : fallback;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => kind switch
        {
            "sgd" => (Optimizer<double>)new Sgd<double>(set, Get("learningRate", 0.1), Get("momentum", 0.9), Get("dampening", 0), weightDecay: Get("weightDecay", 0)),
            "adam" => new Adam<double>(set, Get("learningRate", 1e-3), Get("beta1", 0.9), Get("beta2", 0.999), Get("epsilon", 1e-8), Get("weightDecay", 0)),
            "adamw" => new AdamW<double>(set, Get("learningRate", 1e-3), Get("beta1", 0.9), Get("beta2", 0.999), Get("epsilon", 1e-8), Get("weightDecay", 0.01)),
            "rmsprop" => new RmsProp<double>(set, Get("learningRate", 1e-2), Get("alpha", 0.99), Get("epsilon", 1e-8), Get("weightDecay", 0), Get("momentum", 0)),
            _ => throw new InvalidOperationException(kind),
        });
        Assert.Equal(parameter, error.ParamName);
        Assert.Equal([1.0, 2, 3], values);
        Assert.Equal([0.5, -0.5, 0.25], gradients);
        // A rejected optimizer did not seal the set: it can still grow and get a valid optimizer.
        Assert.False(set.IsSealed);
        set.Add("q", new double[1], new double[1]);
    }

    [Fact]
    public void NesterovWithoutMomentumOrWithDampeningThrows()
    {
        var set = new ParameterSet<double>().Add("p", new double[2], new double[2]);
        Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => new Sgd<double>(set, 0.1, nesterov: true)).ParamName);
        Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => new Sgd<double>(set, 0.1, momentum: 0.9, dampening: 0.1, nesterov: true)).ParamName);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-3)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void SettingABadLearningRateThrowsAndKeepsTheOldOne(double rate)
    {
        double[] values = [1.0], gradients = [2.0];
        var sgd = new Sgd<double>(new ParameterSet<double>().Add("p", values, gradients), 0.25);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = rate);
        Assert.Equal(nameof(Optimizer<double>.LearningRate), error.ParamName);
        Assert.Equal(1.0, values[0]);
        Assert.Equal(0.25, sgd.LearningRate);
        sgd.Step();
        Assert.Equal(1.0 - 0.25 * 2.0, values[0]);
    }

    [Fact]
    public void AnOptimizerSealsItsSet()
    {
        var set = new ParameterSet<double>().Add("p", new double[2], new double[2]);
        _ = new Adam<double>(set);
        Assert.True(set.IsSealed);
        Assert.Throws<InvalidOperationException>(() => set.Add("q", new double[2], new double[2]));
    }

    [Fact]
    public void ResetStartsOverAsAFreshOptimizer()
    {
        double[] values = [0.3, -1.2, 2.0], gradients = new double[3];
        var adam = new Adam<double>(new ParameterSet<double>().Add("p", values, gradients), 0.05, amsgrad: true);
        double[] Run()
        {
            double[] start = [0.3, -1.2, 2.0];
            start.CopyTo(values, 0);
            for (var t = 0; t < 6; t++)
            {
                Gradient(0, values, gradients);
                adam.Step();
            }
            return values.ToArray();
        }
        var first = Run();
        adam.Reset();
        Assert.Equal(0, adam.StepCount);
        Assert.Equal(first, Run());
    }

    [Fact]
    public void StepAllocatesNothingAfterWarmUp()
    {
        var layer = new RecurrentLayer<RnnGen.Lstm, float>(3, 8, 2, 4, new RecurrentOptions { NumLayers = 2, Bidirectional = true });
        var head = new float[17];
        var headGradient = new float[17];
        var random = new Random(5);
        Optimizer<float>[] optimizers =
        [
            new Sgd<float>(Fill(new ParameterSet<float>().AddLayer(layer, "rnn.").Add("head", head, headGradient)), 0.01, 0.9, nesterov: true, weightDecay: 1e-4),
            new Adam<float>(new ParameterSet<float>().AddLayer(layer), 1e-3, weightDecay: 1e-4, amsgrad: true),
            new AdamW<float>(new ParameterSet<float>().AddLayer(layer), 1e-3),
            new RmsProp<float>(new ParameterSet<float>().AddLayer(layer), 1e-3, weightDecay: 1e-4, momentum: 0.9, centered: true),
            new Sgd<float>(new ParameterSet<float>().AddLayer(layer), 0.01),
        ];
        var schedule = new WarmupSchedule(new CosineAnnealingSchedule(1e-3, 1000, 1e-5), 10);

        foreach (var optimizer in optimizers)
        {
            var set = optimizer.Parameters;
            void TrainingStep()
            {
                _ = set.FindNonFinite();
                _ = set.ClipGradientsByNorm(0.5);
                set.ClipGradientsByValue(0.1);
                _ = set.GradientNorm();
                schedule.ApplyTo(optimizer);
                optimizer.Step();
            }
            Fill(set);
            for (var i = 0; i < 20; i++) TrainingStep();
            var least = long.MaxValue;
            for (var window = 0; window < 3; window++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                for (var i = 0; i < 10; i++) TrainingStep();
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            Assert.True(least == 0, $"{optimizer.GetType().Name} allocated {least} bytes per 10 steps");
        }

        ParameterSet<float> Fill(ParameterSet<float> set)
        {
            foreach (var entry in set.Entries)
                foreach (ref var g in entry.Gradient.Span) g = (float)(random.NextDouble() * 2 - 1);
            return set;
        }
    }
}
