package io.sparkrlhf.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Spark with two executor JVMs separate from the driver ({@code local-cluster[2,1,1024]}: a
 * standalone Master and Worker inside the test JVM, executors as child processes), so tasks get
 * their values by broadcast, return gradients as task results and can lose their process. One per
 * test JVM (Spark allows one context per JVM): these tests run in their own Surefire execution,
 * which sets {@code rlhf.cluster-tests}; elsewhere (a {@code -Dtest} filter that also reaches the
 * default execution, whose JVM holds a local context) they are skipped.
 */
public final class ClusterSpark implements BeforeAllCallback, ExecutionCondition {
  public static final int EXECUTORS = 2;
  /** A fake s3a secret set the way users set theirs ({@code spark.hadoop.*}); tests check it is never shipped. */
  public static final String S3A_SECRET = "cluster-watched/secret+8f2c41d0";
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ClusterSpark.class);
  private static volatile SparkSession session;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    return Boolean.getBoolean("rlhf.cluster-tests")
        ? ConditionEvaluationResult.enabled("in the cluster-tests JVM")
        : ConditionEvaluationResult.disabled("cluster tests run in Surefire's cluster-tests execution");
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    context.getRoot().getStore(NS).getOrComputeIfAbsent("cluster", key -> new Holder(), Holder.class);
  }

  public static SparkSession session() {
    if (session == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(ClusterSpark.class)");
    }
    awaitExecutors(session.sparkContext(), EXECUTORS); // a test before may have killed one, and the Worker starts another
    return session;
  }

  /**
   * The test JVM's own classpath (Surefire runs it from a manifest-only jar and names the real one
   * in {@code surefire.test.class.path}), which the executors get too: test classes included.
   */
  static String testClassPath() {
    String surefire = System.getProperty("surefire.test.class.path");
    return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
  }

  /**
   * The Worker launches executors from {@code SPARK_HOME} (set by the build's cluster-tests
   * execution), which needs a {@code jars/} folder. Ours is empty: the executors' classpath is the
   * test's own, the build's jars rather than a second Spark.
   */
  static void prepareSparkHome() {
    String home = System.getenv("SPARK_HOME");
    if (home == null || home.isBlank()) {
      throw new IllegalStateException("SPARK_HOME is not set: run the cluster tests through Maven "
          + "(mvn -pl model,datasets,spark-jobs test -Dtest='io.sparkrlhf.cluster.*Test'), or set SPARK_HOME to an "
          + "empty writable folder and SPARK_SCALA_VERSION=2.13");
    }
    try {
      Files.createDirectories(Path.of(home, "jars"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Spark starts scheduling when the first executor registers; the tests want all. */
  private static void awaitExecutors(org.apache.spark.SparkContext sc, int executors) {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (sc.statusTracker().getExecutorInfos().length < executors + 1) { // the driver is listed too
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + (sc.statusTracker().getExecutorInfos().length - 1) + " of "
            + executors + " executors registered within 2 minutes");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static final class Holder implements ExtensionContext.Store.CloseableResource {
    Holder() {
      prepareSparkHome();
      String jvmFlags = String.join(" ", "-Dai.djl.offline=true", "-Dio.netty.tryReflectionSetAccessible=true",
          "--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC");
      session = SparkSession.builder()
          .master("local-cluster[2,1,1024]") // EXECUTORS workers, 1 core and 1024 MB each
          .appName("rlhf-cluster-tests")
          .config("spark.executor.extraClassPath", testClassPath())
          .config("spark.executor.extraJavaOptions", jvmFlags)
          .config("spark.executor.cores", "1")
          .config("spark.ui.enabled", "false")
          .config("spark.ui.showConsoleProgress", "false")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.task.maxFailures", "4")
          .config("spark.serializer", WatchingSerializer.class.getName())
          // What conf/yarn.conf and conf/k8s.conf ship with: Kryo, with the registrator SparkSessions adds.
          .config(WatchingSerializer.INNER, "org.apache.spark.serializer.KryoSerializer")
          .config("spark.kryo.registrator", io.sparkrlhf.spark.KryoRecords.class.getName())
          .config("spark.hadoop.fs.s3a.secret.key", S3A_SECRET)
          .getOrCreate();
      awaitExecutors(session.sparkContext(), EXECUTORS);
    }

    @Override
    public void close() {
      session.stop();
      session = null;
    }
  }
}
