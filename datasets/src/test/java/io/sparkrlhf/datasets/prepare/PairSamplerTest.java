package io.sparkrlhf.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PairSamplerTest {
  private static List<PairSampler.Candidate> answers(int n, long seed) {
    Random rnd = new Random(seed);
    List<PairSampler.Candidate> a = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      a.add(new PairSampler.Candidate(1000 + i, rnd.nextInt(5) - 1));
    }
    return a;
  }

  private static Set<String> idPairs(List<PairSampler.Candidate> a, List<PairSampler.Pair> pairs) {
    Set<String> s = new HashSet<>();
    for (PairSampler.Pair p : pairs) {
      s.add(a.get(p.chosen()).id() + ">" + a.get(p.rejected()).id());
    }
    return s;
  }

  @Test
  void atMostMaxPairsChosenScoresHigherNoTies() {
    List<PairSampler.Candidate> a = answers(12, 1);
    List<PairSampler.Pair> pairs = new PairSampler(10, 42).sample("s", 7, a);
    assertEquals(10, pairs.size());
    assertEquals(10, idPairs(a, pairs).size());
    for (PairSampler.Pair p : pairs) {
      assertTrue(a.get(p.chosen()).score() > a.get(p.rejected()).score());
    }
  }

  @Test
  void allPairsOfDifferentScoreWhenUnderTheLimit() {
    List<PairSampler.Candidate> a = List.of(
        new PairSampler.Candidate(1, 3), new PairSampler.Candidate(2, 3), new PairSampler.Candidate(3, 0));
    assertEquals(Set.of("1>3", "2>3"), idPairs(a, new PairSampler(10, 42).sample("s", 1, a)));
    List<PairSampler.Candidate> ties = List.of(new PairSampler.Candidate(1, 2), new PairSampler.Candidate(2, 2));
    assertTrue(new PairSampler(10, 42).sample("s", 1, ties).isEmpty());
  }

  @Test
  void choiceIgnoresInputOrderButFollowsTheSeed() {
    List<PairSampler.Candidate> a = answers(15, 3);
    List<PairSampler.Candidate> shuffled = new ArrayList<>(a);
    Collections.shuffle(shuffled, new Random(9));
    PairSampler sampler = new PairSampler(5, 42);
    assertEquals(idPairs(a, sampler.sample("s", 7, a)), idPairs(shuffled, sampler.sample("s", 7, shuffled)));
    assertNotEquals(idPairs(a, sampler.sample("s", 7, a)), idPairs(a, new PairSampler(5, 43).sample("s", 7, a)));
  }
}
