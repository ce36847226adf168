using System.Globalization;
using RnnGen.Training;

namespace RnnGen.Tests.Training;

/// <summary>A nonsensical setting fails where it is written, naming the option and the value.</summary>
public class TrainerOptionsTests
{
    private static Trainer<float> Build(string option, double value)
    {
        var options = option switch
        {
            nameof(TrainerOptions.Epochs) => new TrainerOptions { Epochs = (int)value },
            nameof(TrainerOptions.ClipNorm) => new TrainerOptions { ClipNorm = value },
            nameof(TrainerOptions.ClipValue) => new TrainerOptions { ClipValue = value },
            nameof(TrainerOptions.Patience) => new TrainerOptions { Patience = (int)value },
            nameof(TrainerOptions.MinImprovement) => new TrainerOptions { MinImprovement = value },
            _ => throw new ArgumentException(option),
        };
        return new Trainer<float>(new Sgd<float>(new ParameterSet<float>().Add("w", new float[1], new float[1]), 0.1), options);
    }

    [Theory]
    [InlineData("ClipNorm", double.PositiveInfinity)]
    [InlineData("ClipNorm", double.NaN)]
    [InlineData("ClipNorm", 0)]
    [InlineData("ClipNorm", -1)]
    [InlineData("ClipValue", double.PositiveInfinity)]
    [InlineData("ClipValue", double.NaN)]
    [InlineData("ClipValue", 0)]
    [InlineData("MinImprovement", double.NaN)]
    [InlineData("MinImprovement", double.PositiveInfinity)]
    [InlineData("MinImprovement", -0.5)]
    [InlineData("Epochs", 0)]
    [InlineData("Epochs", -3)]
    [InlineData("Patience", 0)]
    public void ABadValueIsRejectedNamingTheOptionAndTheValue(string option, double value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Build(option, value));
        Assert.Equal(option, error.ParamName);
        Assert.Contains($"TrainerOptions.{option}", error.Message);
        Assert.Contains($"but it is {value.ToString(CultureInfo.InvariantCulture)}", error.Message);
    }

    [Theory]
    [InlineData("ClipNorm", 5)]
    [InlineData("ClipValue", 1e-3)]
    [InlineData("MinImprovement", 0)]
    [InlineData("Epochs", 1)]
    [InlineData("Patience", 1)]
    public void ASensibleValueIsKept(string option, double value) =>
        Assert.NotNull(Build(option, value));
}
