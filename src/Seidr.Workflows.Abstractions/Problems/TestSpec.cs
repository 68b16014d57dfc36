using System.Text.Json.Serialization;

namespace Seidr.Workflows.Problems;

/// <summary>One test a program is judged by. Each test gets its own verdict, so a program gets a score.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(AssertTest), "assert")]
[JsonDerivedType(typeof(IoTest), "io")]
[JsonDerivedType(typeof(CheckTest), "check")]
public abstract record TestSpec;

/// <summary>A single Python statement such as <c>assert add(1, 2) == 3</c>, run after the program.</summary>
/// <param name="Code">The statement, calling the program's entry point by name.</param>
public sealed record AssertTest(string Code) : TestSpec;

/// <summary>Standard input fed to the program and the standard output expected from it.</summary>
/// <param name="Input">The text written to the program's standard input.</param>
/// <param name="ExpectedOutput">The text the program must print for the test to pass.</param>
public sealed record IoTest(string Input, string ExpectedOutput) : TestSpec;

/// <summary>
/// A HumanEval-style test program that defines <c>check(candidate)</c>; the verdict is whether
/// <c>check(EntryPoint)</c> returns without raising.
/// </summary>
/// <param name="Code">The test program, defining <c>check(candidate)</c>.</param>
/// <param name="EntryPoint">The name of the program's function passed to <c>check</c> as the candidate.</param>
public sealed record CheckTest(string Code, string EntryPoint) : TestSpec;
