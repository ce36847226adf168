namespace RnnGen.Generator.Model
{
    /// <summary>How a mask is drawn in training (at inference every mask is its expectation).</summary>
    internal enum MaskKind
    {
        Dropout,      // dropout(v, p): 0 or 1/(1 − p), fresh each step; expectation 1
        Sequence,     // dropout_seq(v, p): as Dropout, one mask for all steps of a sequence; expectation 1
        Zoneout,      // zoneout(s, candidate, p): 1 (keep the previous value) with probability p, else 0; expectation p
        DropConnect,  // dropconnect(U h, p): a [H, H] mask on the matrix U, 0 or 1/(1 − p), one per batch; expectation 1
    }

    /// <summary>One random mask of a cell: [Batch, H] per step, or for DropConnect [H, H] on <c>Matrix</c>. <c>RateName</c> is
    /// empty for a number rate; a named rate is set when the layer is built (0 until then).</summary>
    internal sealed record MaskSite(MaskKind Kind, double Rate, string RateName, string Matrix = "");
}
