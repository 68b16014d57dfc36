using System.Text.Json.Serialization;

namespace Seidr.Workflows.Problems;

/// <summary>One test a program is judged by. Each test gets its own verdict, so a program gets a score.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(AssertTest), "assert")]
[JsonDerivedType(typeof(IoTest), "io")]
[JsonDerivedType(typeof(CheckTest), "check")]
public abstract record TestSpec;

/// <summary>A single Python statement such as <c>assert add(1, 2) == 3</c>, run after the program.</summary>
public sealed record AssertTest(string Code) : TestSpec;

/// <summary>Standard input fed to the program and the standard output expected from it.</summary>
public sealed record IoTest(string Input, string ExpectedOutput) : TestSpec;

/// <summary>
/// A HumanEval-style test program that defines <c>check(candidate)</c>; the verdict is whether
/// <c>check(EntryPoint)</c> returns without raising.
/// </summary>
public sealed record CheckTest(string Code, string EntryPoint) : TestSpec;
