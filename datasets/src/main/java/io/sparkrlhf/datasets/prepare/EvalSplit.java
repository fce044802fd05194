package io.sparkrlhf.datasets.prepare;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Train/eval assignment by a hash of (site, question id): the same question lands in the same split
 * on every machine and every refresh, whatever else the dump holds, so evaluation never leaks into
 * training as the dump grows. SHA-256 rather than a JVM hash: stable across Java versions.
 */
public final class EvalSplit implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String TRAIN = "train";
  public static final String EVAL = "eval";

  private final double evalFraction;
  private final String salt;

  public EvalSplit(double evalFraction, String salt) {
    if (!(evalFraction >= 0 && evalFraction < 1)) {
      throw new IllegalArgumentException("eval fraction must be in [0, 1), found " + evalFraction);
    }
    this.evalFraction = evalFraction;
    this.salt = salt;
  }

  public String of(String site, long questionId) {
    return unitInterval(site, questionId) < evalFraction ? EVAL : TRAIN;
  }

  /** A uniform value in [0, 1) from the first 53 bits of SHA-256(salt, site, id). */
  double unitInterval(String site, long questionId) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha.update(salt.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(site.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
    sha.update(ByteBuffer.allocate(Long.BYTES).putLong(questionId).array());
    long bits = ByteBuffer.wrap(sha.digest()).getLong() >>> 11;
    return bits / (double) (1L << 53);
  }
}
