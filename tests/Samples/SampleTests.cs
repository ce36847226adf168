using RnnGen.Samples;

namespace RnnGen.Tests.Samples;

/// <summary>The samples' reduced CI run: each program in-process at its --quick size, held to a bound it only meets by
/// learning.</summary>
public class SampleTests
{
    [Fact]
    public void TheAddingProblemBeatsHalfTheMeanBaseline()
    {
        var mse = AddingProblem.Run(AddingSettings.Quick, TextWriter.Null);
        Assert.True(mse < AddingProblem.MeanBaseline * 0.5, $"test MSE {mse:F4}");
    }

    [Fact]
    public void TheForecasterBeatsTheLastValueByHalf()
    {
        var result = Forecaster.Run(ForecastSettings.Quick, TextWriter.Null);
        Assert.True(result.TestError < result.LastValueError * 0.5, result.ToString());
    }

    [Fact]
    public void TheCharacterModelBeatsTheUnigramEntropyAndSamplesText()
    {
        var result = CharLanguageModel.Run(CharLanguageModelSettings.Quick, TextWriter.Null);
        Assert.True(result.ValidationLoss < result.UnigramEntropy - 0.2, result.ToString());
        Assert.StartsWith("The ", result.Sample);
        Assert.True(result.Sample.Length > 40, result.Sample);
    }

    [Fact]
    public void TheSuggestionChainIsTheSeedsSentence() =>
        Assert.Equal(["我", "昨天", "上学", "迟到", "了"], Suggest.Run(SuggestSettings.Quick, TextWriter.Null));

    [Fact]
    public void TheClassifierBeatsChanceByFar()
    {
        var result = Classify.Run(ClassifySettings.Quick, TextWriter.Null);
        Assert.True(result.Accuracy >= 0.9 && result.Chance < 0.6, result.ToString());
    }

    [Fact]
    public void TheEncoderDecoderReversesMostRandomStrings()
    {
        var result = Reverse.Run(ReverseSettings.Quick, TextWriter.Null);
        Assert.True(result.ExactMatch >= 0.8, $"{result.ExactMatch:P1}: {string.Join(", ", result.Examples)}");
    }

    [Fact]
    public void TheGeneratorSpellsMostDigits()
    {
        var spelled = Generate.Run(GenerateSettings.Quick, TextWriter.Null);
        Assert.True(spelled.Where((word, digit) => word == Generate.Names[digit]).Count() >= 8, string.Join(", ", spelled));
    }

    /// <summary>The default size, with the built-in LSTM and with the sample's custom two-stage cell (MGU).</summary>
    [Theory]
    [InlineData("lstm")]
    [InlineData("mgu")]
    public void TheAddingProblemIsSolvedAtThirtySteps(string cell) =>
        Assert.True(AddingProblem.Run(new AddingSettings() with { Cell = cell }, TextWriter.Null) < 0.01);
}
