package io.sparkrlhf.datasets.prepare;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses at most {@code maxPairs} (chosen, rejected) answer pairs per question among all pairs of
 * different score, the higher score being chosen. The choice is a pure function of the seed and the
 * answers' ids: the same on any machine, in any input order.
 */
public final class PairSampler implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int maxPairs;
  private final long seed;

  public PairSampler(int maxPairs, long seed) {
    if (maxPairs < 1) {
      throw new IllegalArgumentException("max pairs per question must be >= 1, found " + maxPairs);
    }
    this.maxPairs = maxPairs;
    this.seed = seed;
  }

  /** A candidate answer: its id and score. */
  public record Candidate(long id, int score) {}

  /** Indexes into the candidate list: {@code chosen} scores strictly higher than {@code rejected}. */
  public record Pair(int chosen, int rejected) {}

  public List<Pair> sample(String site, long questionId, List<Candidate> answers) {
    long questionKey = StableHash.combine(seed, StableHash.of(site), questionId);
    List<long[]> keyed = new ArrayList<>(); // {key, chosen, rejected}
    for (int i = 0; i < answers.size(); i++) {
      for (int j = i + 1; j < answers.size(); j++) {
        Candidate a = answers.get(i);
        Candidate b = answers.get(j);
        if (a.score() == b.score()) {
          continue;
        }
        int hi = a.score() > b.score() ? i : j;
        int lo = hi == i ? j : i;
        long key = StableHash.combine(questionKey, answers.get(hi).id(), answers.get(lo).id());
        keyed.add(new long[] {key, hi, lo});
      }
    }
    keyed.sort(Comparator.<long[]>comparingLong(k -> k[0]).thenComparingLong(k -> answers.get((int) k[1]).id()));
    List<Pair> pairs = new ArrayList<>(Math.min(maxPairs, keyed.size()));
    for (int n = 0; n < keyed.size() && n < maxPairs; n++) {
      pairs.add(new Pair((int) keyed.get(n)[1], (int) keyed.get(n)[2]));
    }
    return pairs;
  }
}
