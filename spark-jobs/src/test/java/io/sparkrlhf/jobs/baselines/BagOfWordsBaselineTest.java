package io.sparkrlhf.jobs.baselines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.jobs.baselines.BagOfWordsBaseline.Responses;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BagOfWordsBaselineTest {
  @Test
  void oneAdaGradStepByHand() {
    // margin 0: dLoss/dmargin = -σ(0) = -1/2; token 1 has x = +1, token 2 x = -1; AdaGrad's first step is lr·sign(g)
    BagOfWordsBaseline b = BagOfWordsBaseline.fit(List.of(new Responses(new int[] {1}, new int[] {2})), 1, 0.1, 0, 1L);
    assertEquals(0.1, b.reward(new int[] {1}), 1e-7); // AdaGrad's 1e-8 in the denominator
    assertEquals(-0.1, b.reward(new int[] {2}), 1e-7);
    assertEquals(0.0, b.reward(new int[] {3}), 0);
    assertEquals(2 * b.reward(new int[] {1}), b.reward(new int[] {1, 1}), 1e-15);
  }

  @Test
  void aWordThatDecidesIsLearnt() {
    SplittableRandom rnd = new SplittableRandom(3);
    List<Responses> train = pairs(rnd, 300, t -> 5, t -> 9);
    List<Responses> heldOut = pairs(rnd, 300, t -> 5, t -> 9);
    BagOfWordsBaseline b = BagOfWordsBaseline.fit(train);
    assertEquals(1.0, b.accuracy(heldOut));
    assertTrue(b.reward(new int[] {5}) > 0 && b.reward(new int[] {9}) < 0);
  }

  @Test
  void whetherTheResponseMatchesThePromptIsInvisibleToIt() {
    // the chosen response names the prompt's topic (1..4), the rejected one another topic: only the pair's
    // relation to the prompt decides, and every topic is as often on the rejected side as on the chosen
    SplittableRandom rnd = new SplittableRandom(4);
    List<Responses> train = pairs(rnd, 1000, t -> t, t -> 1 + (t + rnd.nextInt(3)) % 4);
    List<Responses> heldOut = pairs(rnd, 1000, t -> t, t -> 1 + (t + rnd.nextInt(3)) % 4);
    double accuracy = BagOfWordsBaseline.fit(train).accuracy(heldOut);
    assertEquals(0.5, accuracy, 0.06, "held-out accuracy " + accuracy);
  }

  @Test
  void swappingEveryPairGivesOneMinusTheAccuracy() {
    SplittableRandom rnd = new SplittableRandom(5);
    List<Responses> train = pairs(rnd, 200, t -> t, t -> 5 - t);
    List<Responses> heldOut = pairs(rnd, 200, t -> t, t -> 5 - t);
    BagOfWordsBaseline b = BagOfWordsBaseline.fit(train);
    List<Responses> swapped = heldOut.stream().map(p -> new Responses(p.rejected(), p.chosen())).toList();
    assertEquals(1.0, b.accuracy(heldOut) + b.accuracy(swapped), 1e-12);
  }

  /** Pairs of noisy responses (tokens 100..199) where each side also names a topic token {@code x(t)} thrice. */
  private static List<Responses> pairs(SplittableRandom rnd, int n, java.util.function.IntUnaryOperator chosenTopic,
      java.util.function.IntUnaryOperator rejectedTopic) {
    List<Responses> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int topic = 1 + rnd.nextInt(4);
      out.add(new Responses(response(rnd, chosenTopic.applyAsInt(topic)), response(rnd, rejectedTopic.applyAsInt(topic))));
    }
    return out;
  }

  private static int[] response(SplittableRandom rnd, int topicToken) {
    int length = 10 + rnd.nextInt(20);
    return IntStream.range(0, length).map(i -> i % 7 == 0 ? topicToken : 100 + rnd.nextInt(100)).toArray();
  }
}
