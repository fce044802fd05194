package io.sparkrlhf.engine;

import java.io.Serializable;

/** Where a task reads the trainable values of one version: a broadcast, or (local mode) the driver's memory. */
public interface ValueSource extends Serializable {
  float[] get();
}
