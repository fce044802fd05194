package io.sparkrlhf.jobs.dpo;

import io.sparkrlhf.jobs.reward.PreferencePair;
import java.io.Serializable;
import java.util.Arrays;

/**
 * TRL's truncation of a pair: when the prompt and the longer response exceed {@code maxLength},
 * the prompt keeps its last {@code maxPromptLength} tokens (truncation_mode keep_end), then both
 * responses are cut to what is left. The same prompt serves both responses.
 */
public record DpoTruncation(int maxLength, int maxPromptLength) implements Serializable {
  public DpoTruncation {
    if (maxPromptLength < 1 || maxPromptLength >= maxLength) {
      throw new IllegalArgumentException("rlhf.dpo: need 1 <= max-prompt-length (" + maxPromptLength
          + ") < max-length (" + maxLength + ")");
    }
  }

  public PreferencePair apply(PreferencePair p) {
    int longer = Math.max(p.chosen().length, p.rejected().length);
    if (p.prompt().length + longer <= maxLength) {
      return p;
    }
    int[] prompt = p.prompt().length > maxPromptLength
        ? Arrays.copyOfRange(p.prompt(), p.prompt().length - maxPromptLength, p.prompt().length) : p.prompt();
    int room = maxLength - prompt.length;
    return new PreferencePair(prompt, cut(p.chosen(), room), cut(p.rejected(), room), p.margin());
  }

  private static int[] cut(int[] response, int room) {
    return response.length <= room ? response : Arrays.copyOf(response, room);
  }
}
