namespace Seidr.Workflows.Models.Tokens;

/// <summary>
/// Counts the tokens of a text as a model's tokenizer splits it. Used wherever a server reports no usage: replay and
/// scripted models, and the estimates checked against budgets and rate limits before a call.
/// </summary>
public interface ITokenCounter
{
    /// <summary>The tokenizer's name as a model definition's <c>tokenizer:</c> spells it (<c>o200k_base</c>, <c>cl100k_base</c>, <c>gpt2</c>).</summary>
    string Name { get; }

    /// <summary>Tokens in <paramref name="text"/>, the unit budgets and rate limits count in.</summary>
    int Count(string? text);

    /// <summary>Tokens of a conversation: the sum over its messages' contents (role markers, a few tokens per message, are not counted).</summary>
    int Count(IEnumerable<PromptMessage> messages) => messages.Sum(m => Count(m.Content));
}
