using System;

namespace RnnGen.Generator.Model
{
    /// <summary>Which type a result belongs to: the name of its generated file, its name and where it is declared.</summary>
    internal sealed record TypeSite(string HintName, string TypeName, LocationInfo Location);

    /// <summary>
    /// What a reader found on one attributed type. The model is location-free (and null when there is an error);
    /// the diagnostics carry locations, so the pipeline splits them off and the model stays equal when lines move.
    /// </summary>
    internal sealed record ReadResult<TModel>(TypeSite Site, TModel? Model, EquatableArray<DiagnosticInfo> Diagnostics)
        where TModel : class, IEquatable<TModel>;
}
