/**
 * Small statistics the method needs: Wilson intervals, a seeded PRNG, Poisson draws for the bootstrap,
 * percentiles and medians from histograms. Pure and deterministic.
 */
import type { Rate } from './types';
import { normalUpperTail } from './significance';

/**
 * Wilson score interval for a proportion (95% by default).
 * Rule: centre = (p + z²/2n) / (1 + z²/n), half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
 * Edge cases: total 0 gives rate, low and high null; count is clamped to [0, total].
 */
export function wilson(count: number, total: number, z = 1.96): Rate {
    if (!(total > 0)) return { count: 0, total: 0, rate: null, low: null, high: null };
    const k = Math.min(Math.max(count, 0), total);
    const p = k / total;
    const z2 = z * z;
    const denom = 1 + z2 / total;
    const centre = (p + z2 / (2 * total)) / denom;
    const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denom;
    return { count: k, total, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). Same seed, same sequence, on every platform. */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * A Poisson(lambda) draw: Knuth's product method below 30, a rounded normal approximation above.
 * Used by the Poisson bootstrap, where each lead's weight is Poisson(1), so a cell of n leads becomes Poisson(n).
 */
export function poisson(lambda: number, rand: () => number): number {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
        const limit = Math.exp(-lambda);
        let k = 0;
        let p = rand();
        while (p > limit) {
            k++;
            p *= rand();
        }
        return k;
    }
    // Box-Muller normal approximation.
    const u1 = Math.max(rand(), 1e-12);
    const u2 = rand();
    const n = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * n));
}

/** The q-quantile (0-1) of a list of numbers by the nearest-rank rule; null for an empty list. */
export function quantile(values: number[], q: number): number | null {
    if (values.length === 0) return null;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[rank];
}

/** Median of a histogram whose index is the value (e.g. days); null when it is empty. */
export function histogramMedian(hist: ArrayLike<number>): number | null {
    let total = 0;
    for (let i = 0; i < hist.length; i++) total += hist[i];
    if (total === 0) return null;
    const half = total / 2;
    let run = 0;
    for (let i = 0; i < hist.length; i++) {
        run += hist[i];
        if (run >= half) return i;
    }
    return hist.length - 1;
}

/** A rate as a whole percentage for messages; "n/a" when there is none. */
export function pct(x: number | null): string {
    return x === null ? 'n/a' : `${Math.round(x * 100)}%`;
}

/** P(X > x) for a chi-square variable with one degree of freedom (the likelihood-ratio statistic of one split). */
export function chiSquare1Tail(x: number): number {
    if (!(x > 0)) return 1;
    return 2 * normalUpperTail(Math.sqrt(x));
}

/**
 * One-sided two-proportion z-test (pooled): the p-value of "the rate of group A is higher than that of group B".
 * 1 when either group is empty or no outcome varies, so that no evidence never reads as significant.
 */
export function twoProportionPValue(kA: number, nA: number, kB: number, nB: number): number {
    if (nA <= 0 || nB <= 0) return 1;
    const pooled = (kA + kB) / (nA + nB);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
    if (!(se > 0)) return 1;
    return normalUpperTail((kA / nA - kB / nB) / se);
}
