/**
 * Significance tests the review triggers and the pilots state their evidence with: the normal and Student
 * distributions, the exact binomial tail and the two-proportion z statistic. Pure; no state.
 */

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf; absolute error under 1.5e-7). */
export function normalCdf(z: number): number {
    const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
    const y =
        1 -
        ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
            t *
            Math.exp(-(z * z) / 2);
    return z >= 0 ? (1 + y) / 2 : (1 - y) / 2;
}

/**
 * Upper tail P(Z ≥ z) of the standard normal. Far in the tail 1 − normalCdf(z) is all rounding (the CDF is good
 * to 1.5e-7 absolute), so from z = 5 on Mills' ratio gives the tail itself; the triggers print p-values that small.
 */
export function normalUpperTail(z: number): number {
    if (z < 5) return 1 - normalCdf(z);
    const z2 = z * z;
    return (Math.exp(-z2 / 2) / (z * Math.sqrt(2 * Math.PI))) * (1 - 1 / z2 + 3 / (z2 * z2));
}

/** Inverse of `normalCdf` by bisection (to 1e-9), for critical values and power. */
export function normalQuantile(p: number): number {
    if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
    let lo = -10;
    let hi = 10;
    while (hi - lo > 1e-9) {
        const mid = (lo + hi) / 2;
        if (normalCdf(mid) < p) lo = mid;
        else hi = mid;
    }
    return (lo + hi) / 2;
}

function lnGamma(x: number): number {
    // Lanczos approximation (g = 7, n = 9).
    const c = [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
    ];
    if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
    x -= 1;
    let a = c[0];
    const t = x + 7.5;
    for (let i = 1; i < 9; i++) a += c[i] / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
    const tiny = 1e-300;
    let c = 1;
    let d = 1 - ((a + b) * x) / (a + 1);
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    let h = d;
    for (let m = 1; m <= 300; m++) {
        const m2 = 2 * m;
        let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
        d = 1 + aa * d;
        if (Math.abs(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (Math.abs(c) < tiny) c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
        d = 1 + aa * d;
        if (Math.abs(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (Math.abs(c) < tiny) c = tiny;
        d = 1 / d;
        const del = d * c;
        h *= del;
        if (Math.abs(del - 1) < 1e-12) break;
    }
    return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
    return x < (a + 1) / (a + b + 2)
        ? (front * betaFraction(a, b, x)) / a
        : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** Two-sided p-value of Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTwoSidedP(t: number, df: number): number {
    return incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** Critical value t such that a two-sided test at `alpha` rejects beyond it, by bisection on `studentTwoSidedP`. */
export function studentCritical(alpha: number, df: number): number {
    let lo = 0;
    let hi = 1e3;
    while (hi - lo > 1e-9) {
        const mid = (lo + hi) / 2;
        if (studentTwoSidedP(mid, df) > alpha) lo = mid;
        else hi = mid;
    }
    return (lo + hi) / 2;
}

/**
 * Exact binomial upper tail P(X ≥ k) for X ~ Binomial(n, p), through the identity P(X ≥ k) = I_p(k, n − k + 1).
 * 1 for k ≤ 0, 0 for k > n.
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
    if (k <= 0) return 1;
    if (k > n) return 0;
    return incompleteBeta(p, k, n - k + 1);
}

/**
 * The pooled two-proportion z statistic for k1/n1 against k2/n2: (p1 − p2) / √(p(1−p)(1/n1 + 1/n2)) with
 * p = (k1 + k2)/(n1 + n2). With `continuity`, |p1 − p2| is first shrunk by (1/n1 + 1/n2)/2 (Yates): at 30 a
 * side the plain statistic rejects about 1.2% of the time at a 1% level, the corrected one under 1%. 0 when either
 * side is empty or the pooled rate is 0 or 1 (no evidence either way).
 */
export function twoProportionZ(k1: number, n1: number, k2: number, n2: number, continuity = false): number {
    if (n1 <= 0 || n2 <= 0) return 0;
    const pooled = (k1 + k2) / (n1 + n2);
    if (pooled <= 0 || pooled >= 1) return 0;
    let d = k1 / n1 - k2 / n2;
    if (continuity) {
        const c = (1 / n1 + 1 / n2) / 2;
        d = Math.abs(d) <= c ? 0 : d - Math.sign(d) * c;
    }
    return d / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
}
