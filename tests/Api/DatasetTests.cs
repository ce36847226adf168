using RnnGen.Data;

namespace RnnGen.Tests.Api;

public class DatasetTests
{
    [Fact]
    public void TimeSeriesWindowsFollowWindowHorizonAndStride()
    {
        var data = new TimeSeriesDataset<double>(Enumerable.Range(0, 10).Select(i => (double)i).ToArray(), window: 3, horizon: 2, stride: 2);
        Assert.Equal(3, data.Count);
        var batch = data.GetBatch(0, 3);
        Assert.Equal("[3, 3, 1]", batch.Inputs.ToString());
        Assert.Equal([0.0, 1, 2, 2, 3, 4, 4, 5, 6], batch.Inputs.Values.ToArray());
        Assert.Equal([3.0, 4, 5, 6, 7, 8], batch.Targets.Values.ToArray());
        Assert.True(batch.Inputs.Lengths.IsEmpty);

        var perStep = new TimeSeriesDataset<double>([0.0, 10, 1, 11, 2, 12, 3, 13], window: 2, features: 2, perStep: true);
        Assert.Equal(2, perStep.Count);
        var second = perStep.GetBatch(1, 1);
        Assert.Equal([1.0, 11, 2, 12], second.Inputs.Values.ToArray());
        Assert.Equal([2.0, 12, 3, 13], second.Targets.Values.ToArray());
    }

    [Fact]
    public void ShufflingIsSeededAndMinusOneRestoresTheOrder()
    {
        double[] First(TimeSeriesDataset<double> d) => d.GetBatch(0, d.Count).Targets.Values.ToArray();
        var series = Enumerable.Range(0, 30).Select(i => (double)i).ToArray();
        var a = new TimeSeriesDataset<double>(series, window: 2, seed: 7);
        var b = new TimeSeriesDataset<double>(series, window: 2, seed: 7);
        var original = First(a);
        a.Shuffle(3);
        b.Shuffle(3);
        Assert.Equal(First(a), First(b));
        Assert.NotEqual(original, First(a));
        Assert.Equal(original.Order(), First(a).Order());
        a.Shuffle(-1);
        Assert.Equal(original, First(a));
    }

    [Fact]
    public void TokenSequencesArePaddedWithLengths()
    {
        var lm = TokenSequenceDataset<float>.NextToken([[5, 6, 7, 8], [9, 10]], padding: 0);
        var batch = lm.GetBatch(0, 2);
        Assert.Equal("[2, 3] token ids", batch.Inputs.ToString());
        Assert.Equal([5, 6, 7, 9, 0, 0], batch.Inputs.Tokens.ToArray());
        Assert.Equal([6, 7, 8, 10, 0, 0], batch.Targets.Labels.ToArray());
        Assert.Equal([3, 1], batch.Inputs.Lengths.ToArray());

        var classified = TokenSequenceDataset<float>.Classified([[1, 2, 3], [4]], [1, 0]);
        var labelled = classified.GetBatch(0, 2);
        Assert.Equal([1, 2, 3, 4, 0, 0], labelled.Inputs.Tokens.ToArray());
        Assert.Equal([1, 0], labelled.Targets.Labels.ToArray());
        Assert.Equal([3, 1], labelled.Inputs.Lengths.ToArray());
    }

    [Fact]
    public void BadDataIsAClearError()
    {
        Assert.Contains("is empty", Assert.Throws<ArgumentException>(() => TokenSequenceDataset<float>.Classified([], [])).Message);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => TokenSequenceDataset<float>.NextToken([[1]])).Message);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => TokenSequenceDataset<float>.Classified([[1]], [0, 1])).ParamName);
        var shortSeries = Assert.Throws<ArgumentException>(() => new TimeSeriesDataset<float>([1f, 2, 3], window: 3));
        Assert.Equal("series", shortSeries.ParamName);
        Assert.Contains("the series has 3 steps", shortSeries.Message);
        var nan = Assert.Throws<ArgumentException>(() => new TimeSeriesDataset<float>([1f, float.NaN, 3, 4], window: 1));
        Assert.Contains("series[1] is NaN", nan.Message);
        Assert.Equal("start", Assert.Throws<ArgumentOutOfRangeException>(() => new TimeSeriesDataset<float>([1f, 2, 3], window: 1).GetBatch(1, 2)).ParamName);
    }
}
