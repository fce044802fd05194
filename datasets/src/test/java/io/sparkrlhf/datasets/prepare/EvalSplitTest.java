package io.sparkrlhf.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EvalSplitTest {
  @Test
  void fractionIsRespected() {
    EvalSplit split = new EvalSplit(0.1, "");
    int eval = 0;
    for (long id = 0; id < 20_000; id++) {
      if (split.of("stackoverflow.com", id).equals(EvalSplit.EVAL)) {
        eval++;
      }
    }
    assertTrue(eval > 1800 && eval < 2200, "eval count " + eval);
  }

  @Test
  void assignmentIsPinnedAcrossReleases() {
    // Golden values: if these change, a refresh would move questions between train and eval.
    EvalSplit split = new EvalSplit(0.5, "");
    StringBuilder s = new StringBuilder();
    for (long id = 1; id <= 16; id++) {
      s.append(split.of("superuser.com", id).charAt(0));
    }
    assertEquals(GOLDEN, s.toString());
  }

  private static final String GOLDEN = goldenFromSha256();

  /** The same rule computed independently: SHA-256("" 0 site 0 id-as-8-bytes), top 53 bits / 2^53 < 0.5. */
  private static String goldenFromSha256() {
    try {
      StringBuilder s = new StringBuilder();
      for (long id = 1; id <= 16; id++) {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        byte[] site = "superuser.com".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] buf = new byte[1 + site.length + 1 + 8];
        System.arraycopy(site, 0, buf, 1, site.length);
        for (int i = 0; i < 8; i++) {
          buf[buf.length - 1 - i] = (byte) (id >>> (8 * i));
        }
        byte[] d = sha.digest(buf);
        // top bit of the digest decides < 0.5
        s.append((d[0] & 0x80) == 0 ? 'e' : 't');
      }
      return s.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void saltChangesTheAssignment() {
    EvalSplit a = new EvalSplit(0.5, "");
    EvalSplit b = new EvalSplit(0.5, "v2");
    int differ = 0;
    for (long id = 0; id < 200; id++) {
      if (!a.of("x", id).equals(b.of("x", id))) {
        differ++;
      }
    }
    assertTrue(differ > 50, "differ " + differ);
  }

  @Test
  void rejectsBadFractions() {
    assertThrows(IllegalArgumentException.class, () -> new EvalSplit(1.0, ""));
    assertThrows(IllegalArgumentException.class, () -> new EvalSplit(-0.1, ""));
  }
}
