package io.sparkrlhf.datasets.stackexchange;

/**
 * The StackLLaMA answer score: {@code round(log2(1 + upvotes))}, plus 1 if the asker accepted the
 * answer; an answer with negative upvotes scores -1 whether accepted or not.
 */
public final class AnswerScore {
  private AnswerScore() {}

  public static int of(int upvotes, boolean accepted) {
    if (upvotes < 0) {
      return -1;
    }
    long rounded = Math.round(Math.log1p(upvotes) / Math.log(2));
    return (int) rounded + (accepted ? 1 : 0);
  }
}
