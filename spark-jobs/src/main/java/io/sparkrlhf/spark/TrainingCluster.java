package io.sparkrlhf.spark;

import java.time.Duration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What training asks of the cluster before it lays out its partitions: a fixed set of executors
 * (each holds a model replica and cached data for the whole run) and all of them registered, since
 * Spark starts scheduling as soon as the first one is up.
 */
public final class TrainingCluster {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingCluster.class);
  /** How long to wait for spark.executor.instances executors (pods and containers can take minutes). */
  public static final Duration EXECUTOR_WAIT = Duration.ofMinutes(10);

  private TrainingCluster() {}

  /** Refuses settings under which a training run cannot work as designed, naming the setting. */
  public static void check(SparkConf conf) {
    if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
      throw new IllegalArgumentException("spark.dynamicAllocation.enabled=true: training keeps a model replica and "
          + "cached data on every executor for the whole run and lays its partitions out for the executors it "
          + "starts with, so executors must not come and go; set spark.dynamicAllocation.enabled=false and size the "
          + "job with spark.executor.instances");
    }
    if (conf.getBoolean("spark.speculation", false)) {
      throw new IllegalArgumentException("spark.speculation=true: a speculative copy of a training task runs the "
          + "same forward and backward pass again on another executor (loading a second replica there) and its "
          + "result is thrown away; set spark.speculation=false");
    }
  }

  /**
   * Checks the settings, then on a cluster waits up to {@link #EXECUTOR_WAIT} until the
   * {@code spark.executor.instances} executors asked for have registered; returns how many have.
   */
  public static int prepare(SparkContext sc) {
    check(sc.getConf());
    if (sc.isLocal()) {
      return 1;
    }
    int wanted = sc.getConf().getInt("spark.executor.instances", 0);
    long deadline = System.nanoTime() + EXECUTOR_WAIT.toNanos();
    long nextLog = System.nanoTime();
    while (registered(sc) < wanted && System.nanoTime() < deadline) {
      if (System.nanoTime() >= nextLog) {
        LOG.info("waiting for executors: {} of {} registered", registered(sc), wanted);
        nextLog += Duration.ofSeconds(30).toNanos();
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for executors", e);
      }
    }
    int now = registered(sc);
    if (now < wanted) {
      LOG.warn("only {} of the {} executors asked for (spark.executor.instances) registered within {} min; "
          + "training starts on those", now, wanted, EXECUTOR_WAIT.toMinutes());
    }
    return now;
  }

  private static int registered(SparkContext sc) {
    return sc.statusTracker().getExecutorInfos().length - 1; // the driver is listed too
  }
}
