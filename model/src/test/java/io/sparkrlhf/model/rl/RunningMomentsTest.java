package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RunningMomentsTest {

  @Test
  void twoBatchesByHand() {
    RunningMoments s = RunningMoments.initial();
    assertEquals(new RunningMoments(0, 1, 1, 1e-24), s);
    // [1, 2, 3]: batch mean 2, biased var 2/3; the initial count 1e-24 weighs nothing:
    // mean 2, var 2/3, count 3, std = √(2/3 · 3/2) = 1.
    s = s.update(new double[] {1, 2, 3});
    assertEquals(2, s.mean(), 1e-12);
    assertEquals(2.0 / 3, s.var(), 1e-12);
    assertEquals(1, s.std(), 1e-12);
    assertEquals(3, s.count(), 1e-12);
    // [4, 6]: batch mean 5, biased var 1, n 2; δ = 3, total 5;
    // M2 = (2/3)·3 + 3²·3·2/5 + 1·2 = 2 + 10.8 + 2 = 14.8; var = 2.96; mean = 2 + 3·2/5 = 3.2;
    // std = √(2.96·5/4) = √3.7 = 1.9235384. (Two-pass over 1,2,3,4,6: Σ(x − 3.2)² = 14.8.)
    s = s.update(new double[] {4, 6});
    assertEquals(3.2, s.mean(), 1e-12);
    assertEquals(2.96, s.var(), 1e-12);
    assertEquals(Math.sqrt(3.7), s.std(), 1e-12);
    assertEquals(5, s.count(), 1e-12);
  }

  @Test
  void matchesTwoPassOverTheConcatenationAndMomentsUpdatesAgree() throws Exception {
    Random rnd = new Random(6);
    RunningMoments fromArrays = RunningMoments.initial();
    RunningMoments fromMoments = RunningMoments.initial();
    List<Double> seen = new ArrayList<>();
    for (int it = 0; it < 12; it++) {
      double[] batch = new double[2 + rnd.nextInt(30)];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = 5 + it + 3 * rnd.nextGaussian();
        seen.add(batch[i]);
      }
      fromArrays = fromArrays.update(batch);
      // What a distributed job would do: sum Moments of two halves of the batch.
      int half = batch.length / 2;
      Moments m = Moments.ZERO;
      for (int i = 0; i < half; i++) {
        m = m.add(batch[i]);
      }
      Moments rest = Moments.ZERO;
      for (int i = half; i < batch.length; i++) {
        rest = rest.add(batch[i]);
      }
      fromMoments = fromMoments.update(m.plus(rest));

      double mean = 0;
      for (double x : seen) {
        mean += x;
      }
      mean /= seen.size();
      double ss = 0;
      for (double x : seen) {
        ss += (x - mean) * (x - mean);
      }
      int n = seen.size();
      assertEquals(mean, fromArrays.mean(), 1e-10);
      assertEquals(ss / n, fromArrays.var(), 1e-9);
      assertEquals(Math.sqrt(ss / (n - 1)), fromArrays.std(), 1e-9);
      assertEquals(n, fromArrays.count(), 1e-9);

      assertEquals(fromArrays.mean(), fromMoments.mean(), 1e-10);
      assertEquals(fromArrays.var(), fromMoments.var(), 1e-8);
      assertEquals(fromArrays.std(), fromMoments.std(), 1e-8);
      assertEquals(fromArrays.count(), fromMoments.count(), 0);
    }
    assertEquals(fromArrays, fromArrays.update(new double[0]));
    assertEquals(fromArrays, fromArrays.update(Moments.ZERO));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(fromArrays);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      RunningMoments restored = (RunningMoments) in.readObject();
      assertEquals(fromArrays, restored);
      // A restored state carries on exactly as the original.
      assertEquals(fromArrays.update(new double[] {1, 9}), restored.update(new double[] {1, 9}));
    }
  }
}
