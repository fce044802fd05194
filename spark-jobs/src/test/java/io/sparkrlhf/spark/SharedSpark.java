package io.sparkrlhf.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@code local[2]} SparkSession for the whole test run (starting Spark costs seconds), bound to
 * 127.0.0.1 with the UI off, serialising through {@link WatchingSerializer}, stopped when JUnit
 * closes its root store.
 */
public final class SharedSpark implements BeforeAllCallback, ExecutionCondition {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedSpark.class);
  private static volatile SparkSession session;

  /** Not in the cluster tests' JVM, which a {@code -Dtest} filter also reaches: that JVM's context is a cluster. */
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return Boolean.getBoolean("rlhf.cluster-tests")
        ? ConditionEvaluationResult.disabled("local-mode tests run in Surefire's default execution")
        : ConditionEvaluationResult.enabled("local mode");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getRoot().getStore(NS).getOrComputeIfAbsent("spark", key -> new Holder(), Holder.class);
  }

  public static SparkSession session() {
    if (session == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(SharedSpark.class)");
    }
    return session;
  }

  private static final class Holder implements ExtensionContext.Store.CloseableResource {
    Holder() {
      session = SparkSession.builder()
          .master("local[2,3]") // 2 threads; a failed task is retried (up to 3 attempts), as on a cluster
          .appName("rlhf-tests")
          .config("spark.ui.enabled", "false")
          .config("spark.ui.showConsoleProgress", "false")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.sql.shuffle.partitions", "4")
          // Spark's default JavaSerializer, which the secrets test can watch.
          .config("spark.serializer", WatchingSerializer.class.getName())
          .getOrCreate();
    }

    @Override
    public void close() {
      session.stop();
      session = null;
    }
  }
}
