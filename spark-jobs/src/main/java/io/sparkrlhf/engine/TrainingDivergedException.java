package io.sparkrlhf.engine;

/**
 * A run that no longer computes finite numbers: non-finite weights, an evaluation that is not
 * finite, or more skipped steps in a row than allowed. Nothing non-finite was committed; the
 * message names what, where, and the newest committed checkpoint. The CLI exits with its own code.
 */
public final class TrainingDivergedException extends RuntimeException {
  public TrainingDivergedException(String message) {
    super(message);
  }
}
