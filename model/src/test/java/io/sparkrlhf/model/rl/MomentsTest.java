package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MomentsTest {

  @Test
  void oneToFourByHand() {
    // count 4, sum 10, Σx² = 1 + 4 + 9 + 16 = 30; mean 2.5;
    // unbiased var = (1.5² + 0.5² + 0.5² + 1.5²)/3 = 5/3
    Moments m = Moments.of(new double[] {1, 2, 3, 4});
    assertEquals(new Moments(4, 10, 30), m);
    assertEquals(2.5, m.mean(), 1e-12);
    assertEquals(5.0 / 3, m.variance(), 1e-12);
    // whiten(4) = 1.5/√(5/3 + 1e-8) = 1.1618950; without shifting the mean: + 2.5 = 3.6618950
    assertEquals(1.1618950, m.whiten(4, true), 1e-7);
    assertEquals(3.6618950, m.whiten(4, false), 1e-7);
  }

  @Test
  void emptyAndSingletonAreNaN() {
    assertTrue(Double.isNaN(Moments.ZERO.mean()));
    assertTrue(Double.isNaN(Moments.ZERO.variance()));
    Moments one = Moments.ZERO.add(3);
    assertEquals(3, one.mean());
    assertTrue(Double.isNaN(one.variance()));
  }

  @Test
  void partitionsAddUpToTheWholeAndWhitenLikeTwoPass() throws Exception {
    Random rnd = new Random(5);
    double[] xs = new double[101];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = 3 + 2 * rnd.nextGaussian();
    }
    // Three "partitions", one of them built element by element.
    Moments a = Moments.of(Arrays.copyOfRange(xs, 0, 40));
    Moments b = Moments.ZERO;
    for (int i = 40; i < 77; i++) {
      b = b.add(xs[i]);
    }
    Moments c = Moments.of(Arrays.copyOfRange(xs, 77, xs.length));
    Moments all = a.plus(b).plus(c);
    assertEquals(xs.length, all.count());

    double mean = 0;
    for (double x : xs) {
      mean += x;
    }
    mean /= xs.length;
    double ss = 0;
    for (double x : xs) {
      ss += (x - mean) * (x - mean);
    }
    double var = ss / (xs.length - 1);
    assertEquals(mean, all.mean(), 1e-12);
    assertEquals(var, all.variance(), 1e-10);
    double[] white = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      white[i] = all.whiten(xs[i], true);
      assertEquals((xs[i] - mean) / Math.sqrt(var + 1e-8), white[i], 1e-9);
      assertEquals((xs[i] - mean) / Math.sqrt(var + 1e-8) + mean, all.whiten(xs[i], false), 1e-9);
    }
    Moments w = Moments.of(white);
    assertEquals(0, w.mean(), 1e-10);
    assertEquals(1, w.variance(), 1e-6);

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(all);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(all, in.readObject());
    }
  }
}
