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
    double[] weights = new double[vocab]; // exp(scaled − max): the log-prob's normaliser and, uncut, the sampling weights
    double sum = 0;
    for (int v = 0; v < vocab; v++) {
      weights[v] = Math.exp(scaled[v] - max);
      sum += weights[v];
    }
    double logZ = max + Math.log(sum);
    int token;
    if (!config.greedy() && config.topK() == 0 && config.topP() >= 1) {
      if (!eosAllowed) {
        for (int eos : config.eosTokenIds()) {
          if (eos >= 0 && eos < vocab) {
            sum -= weights[eos];
            weights[eos] = 0;
          }
        }
      }
      token = sampleFull(weights, sum); // nothing is cut: no need to rank the vocabulary
    } else {
      double[] candidate = scaled.clone();
      if (!eosAllowed) {
        for (int eos : config.eosTokenIds()) {
          if (eos >= 0 && eos < vocab) {
            candidate[eos] = Double.NEGATIVE_INFINITY;
          }
        }
      }
      token = config.greedy() ? argMax(candidate) : sample(candidate);
    }
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

  /** From unnormalised weights, inverting their cumulative sum in token order. */
  private int sampleFull(double[] weights, double total) {
    double u = rnd.nextDouble() * total;
    int last = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        last = i;
        u -= weights[i];
        if (u <= 0) {
          return i;
        }
      }
    }
    return last;
  }
}
