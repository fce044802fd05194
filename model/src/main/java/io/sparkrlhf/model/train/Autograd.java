package io.sparkrlhf.model.train;

import ai.djl.engine.Engine;
import ai.djl.training.GradientCollector;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * DJL's PyTorch engine allows one {@link GradientCollector} per JVM at a time, but Spark runs
 * several task threads in one JVM in {@code local[*]}. Forward and backward passes that record
 * gradients go through here and take turns; on a cluster there is one training task per executor,
 * so the lock is never contended.
 */
public final class Autograd {
  private static final ReentrantLock LOCK = new ReentrantLock(true);

  private Autograd() {}

  /** Runs {@code step} (forward, then {@code collector.backward(loss)}) while holding the JVM's turn. */
  public static <T> T record(Function<GradientCollector, T> step) {
    LOCK.lock();
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      return step.apply(collector);
    } finally {
      LOCK.unlock();
    }
  }
}
