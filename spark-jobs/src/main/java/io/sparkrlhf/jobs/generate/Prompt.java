package io.sparkrlhf.jobs.generate;

/**
 * One prompt to complete: its place in the input (0-based; the output keeps this order), where it
 * came from for messages ({@code prompts.txt:3}), the question's id when it came from
 * {@code rl_prompts}, its text and its token ids.
 */
public record Prompt(int index, String source, Long qid, String text, int[] ids) {
  public Prompt {
    if (ids.length == 0) {
      throw new IllegalArgumentException(source + ": the prompt has no tokens");
    }
  }
}
