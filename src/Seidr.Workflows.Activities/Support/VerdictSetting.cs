using Seidr.Workflows.Execution;

namespace Seidr.Workflows.Activities.Support;

/// <summary>
/// What besides the program and its tests decides a verdict: the language it runs as and its limits. Both of
/// <see cref="RunVerdicts"/>' verdict stores key by it, so a verdict is reused only where it would come out the same.
/// </summary>
internal readonly record struct VerdictSetting(ProgramLanguage Language, int TimeoutMs, int MemoryMb);
