namespace Seidr.Workflows.Cli.Commands;

/// <summary>The CLI's exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int InvalidInput = 1;
    public const int RunFailed = 2;
}
