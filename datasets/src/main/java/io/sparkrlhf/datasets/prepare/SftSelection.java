package io.sparkrlhf.datasets.prepare;

import java.io.Serializable;

/**
 * Which answers become SFT documents: the best answer of each question (StackLLaMA), or every
 * answer scoring at least {@code minScore}.
 */
public record SftSelection(Mode mode, int minScore) implements Serializable {
  public enum Mode {
    BEST,
    MIN_SCORE
  }

  public static SftSelection best() {
    return new SftSelection(Mode.BEST, 0);
  }

  public static SftSelection minScore(int k) {
    return new SftSelection(Mode.MIN_SCORE, k);
  }
}
