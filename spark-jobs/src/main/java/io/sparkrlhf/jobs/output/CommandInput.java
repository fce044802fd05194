package io.sparkrlhf.jobs.output;

import java.util.Arrays;
import java.util.List;

/** A folder or file a command reads, with the option that named it, e.g. {@code ("data input (-d)", "work/prepared")}. */
public record CommandInput(String role, String path) {
  /** The inputs that were given: an optional one left blank (e.g. no model path: a fresh model) is dropped. */
  public static List<CommandInput> given(CommandInput... inputs) {
    return Arrays.stream(inputs).filter(i -> i.path() != null && !i.path().isBlank()).toList();
  }
}
