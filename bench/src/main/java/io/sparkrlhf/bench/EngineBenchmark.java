package io.sparkrlhf.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.InProcessStepRunner;
import io.sparkrlhf.engine.SparkStepRunner;
import io.sparkrlhf.engine.StepRunner;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.engine.TrainerOptions;
import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.sft.SftObjective;
import io.sparkrlhf.jobs.train.LoraSettings;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.config.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import io.sparkrlhf.spark.SparkSessions;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The engine's costs, in one run on {@code local[2]}:
 * <ol>
 *   <li>step overhead: the same global batches on a ~20M-parameter llama, single process (one
 *       partition, no Spark) against Spark with 2 partitions; the ratio of mean step times and where
 *       the difference goes (broadcast and gradient readout, waiting for the JVM's replica, Spark's
 *       scheduling + result transfer + aggregation, the driver's update);
 *   <li>bytes moved per step and executor, full fine-tuning against LoRA (r = 16 on q/v);
 *   <li>memory: resident set size over 500 Spark steps of a small model, growth after warm-up;
 *   <li>{@code cluster} (run on its own): the step overhead where a cluster pays it, on
 *       {@code local-cluster[2,1,..]}: two executor JVMs of one core each, values and gradients
 *       through block managers, against the single process in the driver's JVM, alternating
 *       ({@code -Dbench.cluster.rounds}, {@code -Dbench.cluster.only=full|lora} through {@code RLHF_JAVA_OPTS}).
 * </ol>
 * Usage: {@code bench/engine-benchmark.sh [overhead|bytes|memory|all|cluster]}
 */
public final class EngineBenchmark {
  private static final ModelConfig MODEL = new ModelConfig(ModelConfig.Family.LLAMA, "llama", 12000, 384, 6, 6, 6,
      1024, 2048, 1e-6, 10000, false, false, 1, 2, 0);
  private static final ModelConfig SMALL = new ModelConfig(ModelConfig.Family.LLAMA, "llama", 500, 64, 2, 4, 4, 128,
      256, 1e-6, 10000, false, false, 1, 2, 0);

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "all";
    SparkSession.Builder builder = SparkSession.builder().appName("engine-benchmark")
        .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1");
    if (what.equals("cluster")) {
      // The settings a deployment runs with (conf/yarn.conf, conf/k8s.conf and what SparkSessions adds);
      // -Dspark.* on the command line overrides them, to compare.
      SparkConf production = new SparkConf().setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
      SparkSessions.applyDefaults(production);
      builder.config(production);
      builder.master("local-cluster[2,1,3072]").config("spark.executor.cores", "1")
          .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
          .config("spark.executor.extraJavaOptions", "-Dai.djl.offline=true -Dio.netty.tryReflectionSetAccessible=true "
              + "--add-modules=jdk.incubator.vector " + System.getProperty("bench.executor.opts", ""));
    } else {
      builder.master("local[2]");
    }
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    try {
      if (what.equals("cluster")) {
        clusterOverhead(sc);
      }
      if (what.equals("all") || what.equals("overhead")) {
        overhead(sc);
      }
      if (what.equals("all") || what.equals("bytes")) {
        bytes(sc);
      }
      if (what.equals("all") || what.equals("memory")) {
        memory(sc);
      }
    } finally {
      spark.stop();
    }
  }

  static void overhead(JavaSparkContext sc) {
    List<SftExample> data = blocks(64, 128, MODEL.vocabSize());
    TrainerOptions options = TrainerOptions.simple(12, 8, 4, 1e-4, 3);
    System.out.printf(Locale.ROOT, "overhead: %.1f M-parameter llama, global batch 8 x 128 tokens, micro-batch 4, 12 steps "
        + "(the first 2 are warm-up and not counted)%n", 19.8);
    for (boolean lora : new boolean[] {false, true}) {
      LoraSettings adapters = lora ? new LoraSettings(16, 32, 0, List.of("q_proj", "v_proj")) : null;
      SftObjective objective = new SftObjective(ModelSpec.fresh(MODEL, 1, "float32", adapters, 2));
      List<ObjectNode> single = run(new InProcessStepRunner<>(id(), objective, data, null, 8, 4, 3), objective, options);
      double s = mean(single, "step_s");
      System.out.printf(Locale.ROOT, "  %s: single process %.3f s/step (compute %.3f, transfer %.3f, update %.3f)%n",
          lora ? "LoRA r=16 q,v" : "full", s, mean(single, "compute_s"), mean(single, "transfer_s"), mean(single, "update_s"));
      for (boolean handoff : new boolean[] {true, false}) {
        DistributedData<SftExample> d = DistributedData.of(sc.parallelize(data, 2), 2, "bench");
        List<ObjectNode> spark = run(new SparkStepRunner<>(sc, id(), objective, d, null, 8, 4, 3, null)
            .withLocalHandoff(handoff), objective, options);
        d.unpersist();
        double p = mean(spark, "step_s");
        System.out.printf(Locale.ROOT, "    Spark, 2 partitions, results %s: %.3f s/step, ratio %.3f | longest task's compute "
            + "%.3f, transfer %.3f, waiting for the replica %.3f, Spark scheduling+results+aggregation %.3f, update %.3f s%n",
            handoff ? "handed over in memory" : "through Spark's result path", p, p / s, mean(spark, "compute_s"),
            mean(spark, "transfer_s"), mean(spark, "replica_wait_s"), mean(spark, "overhead_s"), mean(spark, "update_s"));
      }
    }
  }

  /**
   * Paired in one run, full and LoRA: the single process (driver JVM, libtorch on both cores) and
   * Spark with 2 partitions on 2 one-core executor JVMs, alternating, {@code bench.cluster.rounds}
   * Spark runs (default 4) each between two single-process runs; a round's ratio is its Spark
   * step time over the mean of the two single-process runs around it, and the median round after
   * the first is the result. The first round runs in executor JVMs that have not run the model or
   * the transfers yet (their JIT warms up over it, 1.3-1.5x slower); this machine's speed also
   * drifts by tens of percent between minutes.
   */
  static void clusterOverhead(JavaSparkContext sc) throws InterruptedException, IOException {
    while (sc.sc().statusTracker().getExecutorInfos().length < 3) {
      Thread.sleep(200); // both executors, so the first steps do not run on one
    }
    List<SftExample> data = blocks(64, 128, MODEL.vocabSize());
    TrainerOptions options = TrainerOptions.simple(12, 8, 4, 1e-4, 3);
    int rounds = Integer.getInteger("bench.cluster.rounds", 4);
    System.out.printf(Locale.ROOT, "cluster overhead: %.1f M-parameter llama, global batch 8 x 128 tokens, micro-batch 4, "
        + "12 steps (first 2 not counted); local-cluster[2,1,3072], one core per executor JVM; %d rounds%n", 19.8, rounds);
    String only = System.getProperty("bench.cluster.only", "");
    for (boolean lora : new boolean[] {false, true}) {
      if (!only.isEmpty() && !only.equals(lora ? "lora" : "full")) {
        continue;
      }
      String label = lora ? "LoRA r=16 q,v" : "full";
      LoraSettings adapters = lora ? new LoraSettings(16, 32, 0, List.of("q_proj", "v_proj")) : null;
      SftObjective objective = new SftObjective(ModelSpec.fresh(MODEL, 1, "float32", adapters, 2));
      boolean single = Boolean.parseBoolean(System.getProperty("bench.cluster.single", "true")); // false: A/B of the cluster path alone
      double cpu0 = TransferProbe.cpuSeconds();
      double before = !single ? Double.NaN : mean(run(new InProcessStepRunner<>(id(), objective, data, null, 8, 4, 3),
          objective, options), "step_s");
      double cpuSingle = TransferProbe.cpuSeconds() - cpu0;
      List<Double> ratios = new ArrayList<>();
      List<Double> cpuRatios = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        DistributedData<SftExample> d = DistributedData.of(sc.parallelize(data, 2), 2, "bench");
        JobProfile profile = new JobProfile();
        sc.sc().addSparkListener(profile);
        double cpu1 = TransferProbe.cpuSeconds();
        List<ObjectNode> spark = run(new SparkStepRunner<>(sc, id(), objective, d, null, 8, 4, 3, null), objective, options);
        double cpu2 = TransferProbe.cpuSeconds();
        sc.sc().removeSparkListener(profile);
        d.unpersist();
        double after = !single ? Double.NaN : mean(run(new InProcessStepRunner<>(id(), objective, data, null, 8, 4, 3),
            objective, options), "step_s");
        double cpu3 = TransferProbe.cpuSeconds();
        // CPU seconds of every JVM (driver and executors), warm-up steps included: load on the machine
        // stretches wall times but hardly the work done.
        double cpuRatio = (cpu2 - cpu1) / ((cpuSingle + cpu3 - cpu2) / 2);
        cpuSingle = cpu3 - cpu2;
        double s = (before + after) / 2;
        double p = mean(spark, "step_s");
        if (round > 1 || rounds == 1) {
          ratios.add(p / s);
          cpuRatios.add(cpuRatio);
        }
        System.out.printf(Locale.ROOT, "  %s, round %d%s: single process %.3f s/step (%.3f before, %.3f after); 2 executor "
            + "JVMs %.3f s/step, ratio %.3f (CPU of all JVMs: ratio %.3f) | longest task %.3f = compute %.3f + values "
            + "in/gradients out %.3f; driver: Spark scheduling+results+aggregation %.3f, update %.3f; %.1f MB in, %.1f MB "
            + "out per step%n", label, round, round == 1 && rounds > 1 ? " (warm-up, not counted)" : "", s, before, after, p, p / s, cpuRatio, mean(spark, "compute_s")
                + mean(spark, "transfer_s"), mean(spark, "compute_s"), mean(spark, "transfer_s"),
            mean(spark, "overhead_s"), mean(spark, "update_s"), mean(spark, "bytes_in") / 1e6,
            mean(spark, "bytes_out") / 1e6);
        System.out.printf(Locale.ROOT, "    per step: %s; the driver between jobs (update, publishing values) %.3f s%n",
            profile.summary(2), p - profile.meanSpan(2));
        before = after;
      }
      if (single) {
        System.out.printf(Locale.ROOT, "  %s: ratio median %.3f of %s (rounds after the first); CPU ratio median %.3f%n",
            label, median(ratios), format(ratios), median(cpuRatios));
      }
    }
    System.out.printf(Locale.ROOT, "  with spark.serializer=%s, spark.broadcast.compress=%s, spark.task.maxDirectResultSize=%s%n",
        sc.getConf().get("spark.serializer", "java"), sc.getConf().get("spark.broadcast.compress", "true"),
        sc.getConf().get("spark.task.maxDirectResultSize", "1m"));
  }

  private static double median(List<Double> xs) {
    List<Double> sorted = xs.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String format(List<Double> xs) {
    return xs.stream().map(x -> String.format(Locale.ROOT, "%.3f", x)).collect(java.util.stream.Collectors.joining(", "));
  }

  static void bytes(JavaSparkContext sc) {
    List<SftExample> data = blocks(32, 64, MODEL.vocabSize());
    for (boolean lora : new boolean[] {false, true}) {
      LoraSettings adapters = lora ? new LoraSettings(16, 32, 0, List.of("q_proj", "v_proj")) : null;
      SftObjective objective = new SftObjective(ModelSpec.fresh(MODEL, 1, "float32", adapters, 2));
      DistributedData<SftExample> d = DistributedData.of(sc.parallelize(data, 2), 2, "bench");
      // Through Spark's result path, as on a cluster (local mode would hand results over in memory).
      List<ObjectNode> m = run(new SparkStepRunner<>(sc, id(), objective, d, null, 8, 4, 3, null).withLocalHandoff(false),
          objective, TrainerOptions.simple(4, 8, 4, 1e-4, 3));
      d.unpersist();
      ObjectNode last = m.get(m.size() - 1);
      int executors = last.path("executors").asInt();
      System.out.printf(Locale.ROOT, "bytes (%s): %d trainable values; per step, to executors %.2f MB and back %.2f MB "
          + "(%d executor JVM, %d tasks): %.2f MB in + %.2f MB out per executor%n", lora ? "LoRA r=16 q,v" : "full",
          last.path("bytes_out").asLong() / 4 / Math.max(1, last.path("tasks").asInt()),
          last.path("bytes_in").asLong() / 1e6, last.path("bytes_out").asLong() / 1e6, executors, last.path("tasks").asInt(),
          last.path("bytes_in").asLong() / 1e6 / executors, last.path("bytes_out").asLong() / 1e6 / executors);
    }
  }

  static void memory(JavaSparkContext sc) throws IOException {
    List<SftExample> data = blocks(64, 32, SMALL.vocabSize());
    SftObjective objective = new SftObjective(ModelSpec.fresh(SMALL, 1, "float32", null, 0));
    DistributedData<SftExample> d = DistributedData.of(sc.parallelize(data, 2), 2, "bench");
    List<long[]> samples = java.util.Collections.synchronizedList(new ArrayList<>());
    Thread watcher = new Thread(() -> {
      long t0 = System.nanoTime();
      while (!Thread.currentThread().isInterrupted()) {
        Runtime rt = Runtime.getRuntime();
        samples.add(new long[] {(System.nanoTime() - t0) / 1_000_000, rssKb(), rssKb() - rt.totalMemory() / 1024});
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    watcher.setDaemon(true);
    long start = System.nanoTime();
    watcher.start();
    List<ObjectNode> m = run(new SparkStepRunner<>(sc, id(), objective, d, null, 8, 4, 3, null), objective,
        TrainerOptions.simple(500, 8, 4, 1e-3, 3));
    watcher.interrupt();
    double seconds = (System.nanoTime() - start) / 1e9;
    d.unpersist();
    // Steps are uniform in time: the sample at 10% of the run is "after warm-up (step ~50)".
    long early = samples.get(samples.size() / 10)[1];
    long late = samples.get(samples.size() - 1)[1];
    long peak = samples.stream().mapToLong(s -> s[1]).max().orElseThrow();
    System.out.printf(Locale.ROOT, "memory: %d Spark steps in %.0f s; RSS %.1f MB at ~step 50, %.1f MB at step 500 "
        + "(growth %.2f%%), peak %.1f MB; loss %.3f -> %.3f%n", m.size(), seconds, early / 1024.0, late / 1024.0,
        100.0 * (late - early) / early, peak / 1024.0, m.get(0).path("loss").asDouble(), m.get(m.size() - 1).path("loss").asDouble());
    StringBuilder series = new StringBuilder("  RSS / RSS outside the Java heap (MB) at ~step");
    for (int tenth = 1; tenth <= 10; tenth++) {
      long[] sample = samples.get(Math.min(samples.size() - 1, samples.size() * tenth / 10));
      series.append(String.format(Locale.ROOT, " %d: %.0f/%.0f", 50 * tenth, sample[1] / 1024.0, sample[2] / 1024.0));
    }
    System.out.println(series);
  }

  private static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  private static List<ObjectNode> run(StepRunner runner, SftObjective objective, TrainerOptions options) {
    try (runner) {
      return new Trainer("bench", "bench", null, new Configuration(), objective, runner, options).run().metrics();
    }
  }

  /** Mean of {@code field} over the steps after the first two. */
  private static double mean(List<ObjectNode> metrics, String field) {
    return metrics.stream().skip(2).mapToDouble(n -> n.path(field).asDouble()).average().orElseThrow();
  }

  private static String id() {
    return "bench-" + UUID.randomUUID();
  }

  private static List<SftExample> blocks(int n, int seq, int vocab) {
    Random rnd = new Random(5);
    List<SftExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[seq];
      int[] docs = new int[seq];
      for (int t = 0; t < seq; t++) {
        ids[t] = rnd.nextInt(vocab);
        docs[t] = t * 3 / seq;
      }
      out.add(new SftExample(ids, docs));
    }
    return out;
  }
}
