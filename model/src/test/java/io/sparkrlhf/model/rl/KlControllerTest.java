package io.sparkrlhf.model.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class KlControllerTest {

  @Test
  void adaptiveByHand() {
    KlController c = KlController.adaptive(0.2, 6, 10000);
    assertInstanceOf(AdaptiveKl.class, c);
    assertEquals(0.2, c.value());
    // 12/6 − 1 = 1, clipped to 0.2: 0.2·(1 + 0.2·32/10000) = 0.2·1.00064 = 0.200128.
    assertEquals(0.200128, c.update(12, 32).value(), 1e-15);
    // 3/6 − 1 = −0.5, clipped to −0.2: 0.2·(1 − 0.00064) = 0.199872.
    assertEquals(0.199872, c.update(3, 32).value(), 1e-15);
    // 6.6/6 − 1 = 0.1 (inside the clip): 0.2·(1 + 0.1·100/10000) = 0.2002.
    assertEquals(0.2002, c.update(6.6, 100).value(), 1e-15);
    // On target: unchanged. Target and horizon carry over.
    assertEquals(0.2, c.update(6, 32).value(), 1e-15);
    assertEquals(new AdaptiveKl(0.2 * 1.00064, 6, 10000), c.update(12, 32));
  }

  @Test
  void adaptiveMatchesAPlainLoopOverIterations() {
    double[] kls = {1, 4, 5.9, 6.1, 8, 20, 0.5, 6};
    long[] steps = {64, 64, 128, 32, 256, 64, 64, 64};
    KlController c = KlController.adaptive(0.1, 6, 1000);
    double v = 0.1;
    for (int i = 0; i < kls.length; i++) {
      c = c.update(kls[i], steps[i]);
      double e = kls[i] / 6 - 1;
      if (e > 0.2) {
        e = 0.2;
      } else if (e < -0.2) {
        e = -0.2;
      }
      v = v + v * e * steps[i] / 1000;
      assertEquals(v, c.value(), 1e-15);
    }
  }

  @Test
  void fixedNeverMoves() {
    KlController c = KlController.fixed(0.05);
    assertInstanceOf(FixedKl.class, c);
    assertEquals(0.05, c.update(100, 1000).update(0, 1000).value());
  }

  @Test
  void controllersSerialize() throws Exception {
    for (KlController c : new KlController[] {KlController.adaptive(0.2, 6, 10000).update(12, 32), KlController.fixed(0.3)}) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(c);
      }
      try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
        assertEquals(c, in.readObject());
      }
    }
  }
}
