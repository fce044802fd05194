package io.sparkrlhf.model.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks one token from one row of logits, on the host, so a seed gives the same token everywhere. */
final class TokenSampler {
  private final SamplingConfig config;
  private final SplittableRandom rnd;

  TokenSampler(SamplingConfig config, long rowSeed) {
    this.config = config;
    this.rnd = new SplittableRandom(rowSeed);
  }

  /** The token and its log-probability under softmax(logits / temperature) (before any cut). */
  long[] pick(float[] logits, int from, int vocab, boolean eosAllowed) {
    double[] scaled = new double[vocab];
    double max = Double.NEGATIVE_INFINITY;
    for (int v = 0; v < vocab; v++) {
      scaled[v] = logits[from + v] / config.temperature();
      max = Math.max(max, scaled[v]);
    }
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      sum += Math.exp(scaled[v] - max);
    }
    double logZ = max + Math.log(sum);
    double[] candidate = scaled.clone();
    if (!eosAllowed) {
      for (int eos : config.eosTokenIds()) {
        if (eos >= 0 && eos < vocab) {
          candidate[eos] = Double.NEGATIVE_INFINITY;
        }
      }
    }
    int token = config.greedy() ? argMax(candidate) : sample(candidate);
    long logprobBits = Double.doubleToLongBits(scaled[token] - logZ);
    return new long[] {token, logprobBits};
  }

  private static int argMax(double[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }

  private int sample(double[] scores) {
    if (config.topK() == 0 && config.topP() >= 1) {
      return sampleFull(scores); // nothing is cut: no need to rank the vocabulary
    }
    Integer[] order = new Integer[scores.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]) != 0 ? Double.compare(scores[b], scores[a]) : a - b);
    int keep = config.topK() > 0 ? Math.min(config.topK(), order.length) : order.length;
    double max = scores[order[0]];
    double[] p = new double[keep];
    double total = 0;
    for (int i = 0; i < keep; i++) {
      p[i] = Math.exp(scores[order[i]] - max);
      total += p[i];
    }
    // Top-p: the smallest prefix (by probability) whose mass reaches p.
    double mass = 0;
    int cut = keep;
    for (int i = 0; i < keep; i++) {
      mass += p[i] / total;
      if (mass >= config.topP()) {
        cut = i + 1;
        break;
      }
    }
    double kept = 0;
    for (int i = 0; i < cut; i++) {
      kept += p[i];
    }
    double u = rnd.nextDouble() * kept;
    for (int i = 0; i < cut; i++) {
      u -= p[i];
      if (u <= 0) {
        return order[i];
      }
    }
    return order[cut - 1];
  }

  /** From the whole distribution, inverting its cumulative sum in token order. */
  private int sampleFull(double[] scores) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : scores) {
      max = Math.max(max, x);
    }
    double[] p = new double[scores.length];
    double total = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp(scores[i] - max);
      total += p[i];
    }
    double u = rnd.nextDouble() * total;
    int last = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0) {
        last = i;
        u -= p[i];
        if (u <= 0) {
          return i;
        }
      }
    }
    return last;
  }
}
