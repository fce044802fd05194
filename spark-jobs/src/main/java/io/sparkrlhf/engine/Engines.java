package io.sparkrlhf.engine;

/** Small argument checks shared by the engine's classes. */
final class Engines {
  private Engines() {}

  static int requirePositive(int value, String what) {
    if (value < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, found " + value);
    }
    return value;
  }
}
