package io.sparkrlhf.jobs.train;

import io.sparkrlhf.engine.FailureInjection;

/**
 * How this invocation treats the output directory: continue its newest checkpoint ({@code resume}),
 * replace an earlier run ({@code overwrite}), or refuse to touch one; {@code stopAfter} steps (−1:
 * to the end). {@code failure} is for tests only.
 */
public record RunFlags(boolean resume, boolean overwrite, long stopAfter, FailureInjection failure) {
  public static final RunFlags FRESH = new RunFlags(false, false, -1, null);

  public RunFlags {
    if (resume && overwrite) {
      throw new IllegalArgumentException("--resume and --overwrite exclude each other");
    }
  }
}
