package io.sparkrlhf.bench;

import io.sparkrlhf.spark.SparkSessions;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/** How fast Spark moves the engine's two payloads (task results and broadcasts) between separate JVMs, with no compute. */
public final class TransferProbe {
  public static void main(String[] args) throws Exception {
    int mb = args.length > 0 ? Integer.parseInt(args[0]) : 80;
    SparkConf production = new SparkConf().setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    SparkSessions.applyDefaults(production);
    SparkSession spark = SparkSession.builder().appName("transfer-probe").config(production)
        .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1").master("local-cluster[2,1,3072]").config("spark.executor.cores", "1")
        .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
        .config("spark.executor.extraJavaOptions", "-Dio.netty.tryReflectionSetAccessible=true " + System.getProperty("probe.executor.opts", "")).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    while (sc.sc().statusTracker().getExecutorInfos().length < 3) {
      Thread.sleep(200);
    }
    int bytes = mb << 20;
    sc.sc().addSparkListener(new org.apache.spark.scheduler.SparkListener() {
      @Override
      public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
        var i = end.taskInfo();
        var m = end.taskMetrics();
        if (m.resultSize() > 1 << 20) {
          System.out.printf(Locale.ROOT, "   task %d: deser %d run %d ms, resultSer %d, gc %d, result fetch %d ms (launch->finish %d)%n",
              i.index(), m.executorDeserializeTime(), m.executorRunTime(), m.resultSerializationTime(), m.jvmGCTime(),
              i.gettingResultTime() > 0 ? i.finishTime() - i.gettingResultTime() : -1, i.finishTime() - i.launchTime());
        }
      }
    });
    try {
      for (int rep = 0; rep < 8; rep++) {
        double cpu0 = cpuSeconds();
        long t0 = System.nanoTime();
        List<byte[]> results = sc.parallelize(Arrays.asList(0, 1), 2).map(i -> {
          byte[] b = new byte[bytes];
          b[i] = 1;
          return b;
        }).collect();
        long t1 = System.nanoTime();
        Broadcast<byte[]> bc = sc.broadcast(new byte[bytes]);
        long sum = sc.parallelize(Arrays.asList(0, 1), 2).map(i -> (long) bc.value().length).reduce(Long::sum);
        long t2 = System.nanoTime();
        long empty = sc.parallelize(Arrays.asList(0, 1), 2).map(i -> 1L).reduce(Long::sum);
        long t3 = System.nanoTime();
        bc.destroy();
        System.out.printf(Locale.ROOT, "cpu %.2f s (driver+executors) | ", cpuSeconds() - cpu0);
        System.out.printf(Locale.ROOT, "%d MB x2: results %.3f s (%.0f MB/s), broadcast %.3f s, empty job %.3f s%s%n", mb,
            (t1 - t0) / 1e9, 2.0 * mb / ((t1 - t0) / 1e9), (t2 - t1) / 1e9, (t3 - t2) / 1e9,
            results.size() == 2 && sum == 2L * bytes && empty == 2 ? "" : " WRONG");
      }
    } finally {
      spark.stop();
    }
  }

  /** CPU seconds used so far by this JVM and the executor JVMs it launched (its child processes). */
  static double cpuSeconds() throws java.io.IOException {
    long self = ProcessHandle.current().pid();
    double total = 0;
    for (ProcessHandle p : (Iterable<ProcessHandle>) () -> java.util.stream.Stream.concat(
        java.util.stream.Stream.of(ProcessHandle.current()), ProcessHandle.current().descendants()).iterator()) {
      java.nio.file.Path stat = java.nio.file.Path.of("/proc", Long.toString(p.pid()), "stat");
      if (!java.nio.file.Files.exists(stat)) {
        continue;
      }
      String s = java.nio.file.Files.readString(stat);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks
    }
    return total;
  }
}
