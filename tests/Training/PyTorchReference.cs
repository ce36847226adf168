namespace RnnGen.Tests.Training;

/// <summary>
/// PyTorch's documented update rules (torch.optim SGD, Adam, AdamW, RMSprop pseudo-code), written element by element
/// in double, independently of the vectorized optimizers, as the reference they are checked against.
/// </summary>
internal abstract class PyTorchReference
{
    private readonly Dictionary<(int Entry, string Buffer), double[]> _state = [];

    /// <summary>The learning rate γ of the next step.</summary>
    public required double Lr { get; set; }

    protected double[] State(int entry, string buffer, int length) =>
        _state.TryGetValue((entry, buffer), out var b) ? b : _state[(entry, buffer)] = new double[length];

    /// <summary>Step t (1-based) for one entry.</summary>
    public abstract void Step(int entry, double[] theta, double[] gradient, bool decay, int t);
}

internal sealed class SgdReference(double momentum, double dampening, bool nesterov, double weightDecay) : PyTorchReference
{
    public override void Step(int entry, double[] theta, double[] gradient, bool decay, int t)
    {
        var b = State(entry, "b", theta.Length);
        for (var i = 0; i < theta.Length; i++)
        {
            var g = gradient[i];
            if (decay && weightDecay != 0) g += weightDecay * theta[i];
            if (momentum != 0)
            {
                b[i] = t > 1 ? momentum * b[i] + (1 - dampening) * g : g;
                g = nesterov ? g + momentum * b[i] : b[i];
            }
            theta[i] -= Lr * g;
        }
    }
}

internal sealed class AdamReference(double beta1, double beta2, double eps, double weightDecay, bool decoupled, bool amsgrad) : PyTorchReference
{
    public override void Step(int entry, double[] theta, double[] gradient, bool decay, int t)
    {
        double[] m = State(entry, "m", theta.Length), v = State(entry, "v", theta.Length), vMax = State(entry, "vmax", theta.Length);
        for (var i = 0; i < theta.Length; i++)
        {
            var g = gradient[i];
            if (decay && weightDecay != 0)
            {
                if (decoupled) theta[i] -= Lr * weightDecay * theta[i];
                else g += weightDecay * theta[i];
            }
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            var mHat = m[i] / (1 - Math.Pow(beta1, t));
            vMax[i] = Math.Max(vMax[i], v[i]);
            var vHat = (amsgrad ? vMax[i] : v[i]) / (1 - Math.Pow(beta2, t));
            theta[i] -= Lr * mHat / (Math.Sqrt(vHat) + eps);
        }
    }
}

internal sealed class RmsPropReference(double alpha, double eps, double weightDecay, double momentum, bool centered) : PyTorchReference
{
    public override void Step(int entry, double[] theta, double[] gradient, bool decay, int t)
    {
        double[] v = State(entry, "v", theta.Length), average = State(entry, "g", theta.Length), b = State(entry, "b", theta.Length);
        for (var i = 0; i < theta.Length; i++)
        {
            var g = gradient[i];
            if (decay && weightDecay != 0) g += weightDecay * theta[i];
            v[i] = alpha * v[i] + (1 - alpha) * g * g;
            var vTilde = v[i];
            if (centered)
            {
                average[i] = alpha * average[i] + (1 - alpha) * g;
                vTilde -= average[i] * average[i];
            }
            if (momentum > 0)
            {
                b[i] = momentum * b[i] + g / (Math.Sqrt(vTilde) + eps);
                theta[i] -= Lr * b[i];
            }
            else theta[i] -= Lr * g / (Math.Sqrt(vTilde) + eps);
        }
    }
}
