package io.sparkrlhf.jobs.reward;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Preference pairs of random tokens: 3-token prompts, 2–5-token answers, margins 0–2. */
public final class RandomPairs {
  private RandomPairs() {}

  public static List<PreferencePair> of(int n, int vocab, long seed) {
    Random rnd = new Random(seed);
    List<PreferencePair> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new PreferencePair(ints(rnd, 3, vocab), ints(rnd, 2 + rnd.nextInt(4), vocab),
          ints(rnd, 2 + rnd.nextInt(4), vocab), rnd.nextInt(3)));
    }
    return out;
  }

  private static int[] ints(Random rnd, int n, int vocab) {
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(vocab);
    }
    return v;
  }
}
