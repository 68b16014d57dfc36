using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Seidr.Workflows.Persistence;

/// <summary>Multi-row <c>INSERT ... VALUES (...), (...)</c> for one entity type, on both providers, inside the context's transaction.</summary>
internal static class BulkInsert
{
    private const int MaxParameters = 30_000; // under SQLite's 32,766 and PostgreSQL's 65,535

    public static async Task InsertAsync<T>(DbContext ctx, IReadOnlyList<T> rows) where T : class
    {
        if (rows.Count == 0) return;
        var entity = ctx.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var properties = entity.GetProperties().ToArray();
        var mappings = properties.Select(p => p.GetRelationalTypeMapping()).ToArray();
        var sql = ctx.GetService<ISqlGenerationHelper>();
        var head = $"INSERT INTO {sql.DelimitIdentifier(entity.GetTableName()!)} ({string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName())))}) VALUES ";
        var connection = ctx.Database.GetDbConnection();
        var transaction = ctx.Database.CurrentTransaction?.GetDbTransaction();
        // SQLite: one prepared single-row INSERT executed per row (the fastest there: binding many parameters in one
        // command is slow in Microsoft.Data.Sqlite); PostgreSQL: up to 200 rows per statement (fewer round trips).
        bool sqlite = ctx.Database.ProviderName?.Contains("Sqlite", StringComparison.Ordinal) == true;
        int perCommand = sqlite ? 1 : Math.Max(1, Math.Min(200, MaxParameters / properties.Length));
        System.Data.Common.DbCommand? command = null;
        int commandRows = 0;
        try
        {
            for (int start = 0; start < rows.Count; start += perCommand)
            {
                int count = Math.Min(perCommand, rows.Count - start);
                if (command is null || commandRows != count)
                {
                    if (command is not null) await command.DisposeAsync();
                    command = connection.CreateCommand();
                    command.Transaction = transaction;
                    var text = new StringBuilder(head);
                    int n = 0;
                    for (int r = 0; r < count; r++)
                    {
                        text.Append(r == 0 ? "(" : ", (");
                        for (int c = 0; c < properties.Length; c++)
                        {
                            if (c > 0) text.Append(", ");
                            text.Append(sql.GenerateParameterNamePlaceholder("p" + n++));
                        }
                        text.Append(')');
                    }
                    command.CommandText = text.ToString();
                    commandRows = count;
                }
                command.Parameters.Clear();
                int k = 0;
                for (int r = start; r < start + count; r++)
                    for (int c = 0; c < properties.Length; c++)
                        command.Parameters.Add(mappings[c].CreateParameter(command, "p" + k++, properties[c].PropertyInfo!.GetValue(rows[r]), properties[c].IsNullable));
                await command.ExecuteNonQueryAsync();
            }
        }
        finally
        {
            if (command is not null) await command.DisposeAsync();
        }
    }
}
