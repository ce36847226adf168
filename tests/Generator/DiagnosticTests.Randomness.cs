namespace RnnGen.Tests.Generator;

// RNN036–RNN039: misuse of dropout, dropout_seq, zoneout and dropconnect, located on the argument at fault, the message
// naming the equation and saying how to write it.
public partial class DiagnosticTests
{
    [Theory]
    [InlineData("1.5", "1.5")]
    [InlineData("1", "1")]
    [InlineData("-0.25", "-0.25")]
    public void RateOutsideZeroToOne_PointsAtTheRate(string rate, string shown)
    {
        var source = Cell($"hd = dropout_seq(h, {rate})", "h' = tanh(W x + U hd + b)");
        var diagnostic = ExpectSingle(source, "RNN036", SpanOf(source, rate, after: "h, "));
        Assert.Equal($"The rate of dropout_seq(…) in the equation of hd is {shown}, outside [0, 1); write a probability such as 0.25 (0 turns it off)", Message(diagnostic));
    }

    [Theory]
    [InlineData("0.1 * 2", "an expression")]
    [InlineData("h", "'h', a state")]
    [InlineData("x", "'x', the input")]
    [InlineData("n", "'n', an intermediate")]
    public void RateThatIsNotAConstant_PointsAtTheRate(string rate, string what)
    {
        var source = Cell("n = tanh(W x + U h + b)", $"h' = dropout(n, {rate})");
        var diagnostic = ExpectSingle(source, "RNN037", SpanOf(source, rate, after: $", {rate})"));
        Assert.Contains($"The rate of dropout(…) in the equation of h' is {what}; a rate is a number such as 0.25, or a name of its own", Message(diagnostic));
    }

    [Fact]
    public void RateNamedLikeAParameter_IsNotAConstant()
    {
        var source = Cell("h' = tanh(W x + U dropout_seq(h, b) + b)");
        var diagnostic = ExpectSingle(source, "RNN037", SpanOf(source, "b", after: "h, "));
        Assert.Contains("The rate of dropout_seq(…) in the equation of h' is 'b', also a parameter;", Message(diagnostic));
    }

    [Fact]
    public void ZoneoutOfSomethingThatIsNotAState_PointsAtIt()
    {
        var source = Cell("n = tanh(W x + U h + b)", "h' = zoneout(n, n, 0.1)");
        var diagnostic = ExpectSingle(source, "RNN038", SpanOf(source, "n", after: "(n, n"));
        Assert.Equal("zoneout in the equation of h' zones out 'n', an intermediate, not a state; write s' = zoneout(s, candidate, rate) for a state s", Message(diagnostic));
    }

    [Theory]
    [InlineData("h' = 2 * zoneout(h, tanh(W x + U h), 0.1)", "zoneout(h, tanh(W x + U h), 0.1)", "h")]
    [InlineData("h' = zoneout(c, tanh(W x + U h), 0.1)", "zoneout(c, tanh(W x + U h), 0.1)", "c")]
    public void ZoneoutThatIsNotTheWholeUpdateOfItsState_CoversTheCall(string equation, string call, string state)
    {
        var source = Cell(equation, "c' = c + h");
        var diagnostic = ExpectSingle(source, "RNN038", SpanOf(source, call));
        Assert.Contains($"must be the whole right-hand side of {state}' = zoneout({state}, …)", Message(diagnostic));
    }

    [Theory]
    [InlineData("dropconnect(W x, 0.2)", "W x", "drops the input matrix 'W' (of x)")]
    [InlineData("dropconnect(h, 0.2)", "h", "drops 'h', a state, not a matrix product")]
    [InlineData("dropconnect(V (z * h), 0.2)", "V (z * h)", "drops 'V', a matrix of a value computed in the same step")]
    public void DropConnectOnSomethingNotARecurrentMatrix_PointsAtIt(string call, string argument, string problem)
    {
        var source = Cell("z = sigmoid(W_z x + U_z h)", $"h' = tanh(W x + {call} + U h)");
        var diagnostic = ExpectSingle(source, "RNN039", SpanOf(source, argument, after: "dropconnect("));
        Assert.Equal($"dropconnect in the equation of h' {problem}; write dropconnect(U h, rate) around the product of a matrix U and a state h", Message(diagnostic));
    }

    [Fact]
    public void DropConnectTwiceOnOneMatrix_PointsAtTheSecond()
    {
        var source = Cell("a = tanh(W_a x + dropconnect(U h, 0.2))", "h' = a * dropconnect(U h, 0.2)");
        var diagnostic = ExpectSingle(source, "RNN039", SpanOf(source, "U h", occurrence: 0, after: "a * dropconnect("));
        Assert.Contains("drops the connections of 'U' a second time", Message(diagnostic));
    }
}
