namespace Seidr.Workflows.Persistence.Tests.Support;

/// <summary>A draft-execute-rank loop over HumanEval whose model is a <see cref="FakeCoder"/>.</summary>
public static class FakeWorkflow
{
    public static string Write(string path, string baseUrl, string id, int problems, int concurrency, string matrix = "")
    {
        File.WriteAllText(path, $"""
            id: {id}
            name: {id}
            experiment:
              dataset: humaneval
              problems: 0-{problems - 1}
              seed: 3
              concurrency: {concurrency}
              models:
                coder:
                  provider: openai-compatible
                  base_url: {baseUrl}
                  model: fake-coder
                  seed: 1000
                  temperature: 0.8
                  max_tokens: 400
                  max_retries: 0
            {matrix}
              budget:
                max_programs: 6
            activities:
            - id: draft
              type: Seidr.Draft
              inputs:
                drafts_per_prompt: {(matrix.Length > 0 ? "${drafts}" : "2")}
                model: coder
                prompt: draft
            - id: execute
              type: Seidr.Execute
              inputs:
                tests: examples
            - id: rank
              type: Seidr.Rank
              inputs:
                beam_width: 1
            - id: submit
              type: Seidr.Submit
            connections:
            - draft.Done -> execute
            - execute.Done -> rank
            - rank.Solved -> submit
            - rank.Exhausted -> submit
            - rank.Beam -> draft
            """);
        return path;
    }
}
