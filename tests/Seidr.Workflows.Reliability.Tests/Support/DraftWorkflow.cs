namespace Seidr.Workflows.Reliability.Tests.Support;

/// <summary>
/// The workflow the lost-samples defect was seen with: draft, execute on the docstring examples, submit, over HumanEval,
/// its model an OpenAI-compatible server. Every sample is its own call (<c>samples_per_call: 1</c>) with its own seed.
/// </summary>
public static class DraftWorkflow
{
    public static string Write(string dir, string baseUrl, int problems = 40, int drafts = 4, int concurrency = 40, int maxConcurrency = 32,
        string modelExtra = "", string experimentExtra = "", string id = "draft-execute")
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, id + ".yaml");
        File.WriteAllText(path, $"""
            id: {id}
            name: {id}
            experiment:
              dataset: humaneval
              problems: 0-{problems - 1}
              seed: 5
              concurrency: {concurrency}
              models:
                coder:
                  provider: openai-compatible
                  base_url: {baseUrl}
                  model: fake-coder
                  seed: 1000
                  temperature: 0.8
                  max_concurrency: {maxConcurrency}
                  samples_per_call: 1
            {Indent(modelExtra, 6)}
            {Indent(experimentExtra, 2)}
            activities:
            - id: draft
              type: Seidr.Draft
              inputs:
                drafts_per_prompt: {drafts}
                model: coder
                prompt: draft
            - id: execute
              type: Seidr.Execute
              inputs:
                tests: examples
            - id: submit
              type: Seidr.Submit
            connections:
            - draft.Done -> execute
            - execute.Done -> submit
            """);
        return path;
    }

    private static string Indent(string text, int spaces) =>
        string.Join("\n", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => new string(' ', spaces) + l.Trim()));
}
