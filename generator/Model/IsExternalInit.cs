// Records and init-only setters in netstandard2.0 need this marker type.
namespace System.Runtime.CompilerServices
{
    internal static class IsExternalInit { }
}
