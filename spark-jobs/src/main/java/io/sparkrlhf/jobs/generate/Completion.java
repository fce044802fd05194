package io.sparkrlhf.jobs.generate;

/**
 * What the model wrote after one prompt. {@code finishReason} is {@code stop} when it ended with an
 * EOS token (not part of {@code completion}, but counted in {@code completionTokens}, as
 * {@code generate} returns it) and {@code length} when it reached the limit of new tokens.
 */
public record Completion(Prompt prompt, String completion, int[] tokens, String finishReason) {
  public int completionTokens() {
    return tokens.length;
  }
}
