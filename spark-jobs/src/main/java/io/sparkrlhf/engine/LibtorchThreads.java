package io.sparkrlhf.engine;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch sizes its thread pool by the cores of the machine, not of the executor: a container
 * with 8 of a node's 64 cores would run 64 threads, and two executors on one host each take all of
 * its cores, which with OpenMP's spinning costs several times the compute. On an executor the pool
 * is sized to {@code spark.executor.cores} (the executor's tasks take turns on its one replica),
 * unless {@code ai.djl.pytorch.num_threads} says otherwise. The driver and local mode keep the default.
 */
final class LibtorchThreads {
  private static final Logger LOG = LoggerFactory.getLogger(LibtorchThreads.class);
  private static volatile boolean done;

  private LibtorchThreads() {}

  /** Call on the replica thread before the first replica of this JVM. */
  static synchronized void fitExecutor() {
    if (done) {
      return;
    }
    done = true;
    SparkEnv env = SparkEnv.get();
    if (env == null || "driver".equals(env.executorId()) || System.getProperty("ai.djl.pytorch.num_threads") != null) {
      return;
    }
    int cores = env.conf().getInt("spark.executor.cores", 0);
    if (cores > 0) {
      Engine.getEngine("PyTorch"); // loads libtorch
      JniUtils.setNumThreads(cores);
      LOG.info("executor {}: libtorch uses {} threads (spark.executor.cores)", env.executorId(), cores);
    }
  }
}
