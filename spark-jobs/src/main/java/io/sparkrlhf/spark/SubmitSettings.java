package io.sparkrlhf.spark;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import io.sparkrlhf.conf.Secrets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Spark settings a submit script passes to {@code spark-submit --conf} for one command, from
 * {@code rlhf.spark.conf}. Sizes and resources (driver memory, executor cores, GPUs, YARN queue)
 * only take effect when given at submission: in cluster mode the driver's JVM and the executors'
 * containers exist before the job's own code runs. Training commands run one task per executor
 * ({@code spark.task.cpus} = executor cores; all of its GPUs); other commands get no GPUs, since a
 * GPU per task would leave all but one core per executor idle. Secret-looking settings are left
 * out (they would show in the process list): the job reads them from its configuration file.
 */
public final class SubmitSettings {
  /** The commands that run one replica per executor. */
  public static final Set<String> TRAINING = Set.of("sft", "reward", "ppo", "dpo", "best-of-n", "eval", "pipeline");
  static final String EXECUTOR_CORES = "spark.executor.cores";
  static final String TASK_CPUS = "spark.task.cpus";
  static final String EXECUTOR_GPUS = "spark.executor.resource.gpu.amount";
  static final String TASK_GPUS = "spark.task.resource.gpu.amount";

  private SubmitSettings() {}

  /** {@code key=value} lines, sorted by key. */
  public static List<String> forCommand(Config conf, String command) {
    Map<String, String> settings = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : conf.getConfig("rlhf.spark.conf").entrySet()) {
      String name = SparkSessions.settingName(e.getKey());
      if (!Secrets.isSecretKey(name)) {
        settings.put(name, String.valueOf(e.getValue().unwrapped()));
      }
    }
    if (TRAINING.contains(command)) {
      if (settings.containsKey(EXECUTOR_CORES)) {
        settings.putIfAbsent(TASK_CPUS, settings.get(EXECUTOR_CORES));
      }
      if (gpus(settings) > 0) {
        settings.putIfAbsent(TASK_GPUS, settings.get(EXECUTOR_GPUS));
      } else {
        dropGpus(settings); // GPUS_PER_EXECUTOR=0: training on CPU
      }
    } else {
      dropGpus(settings);
      settings.putIfAbsent(TASK_CPUS, "1");
    }
    List<String> lines = new ArrayList<>();
    settings.forEach((k, v) -> {
      if (k.contains("\n") || v.contains("\n")) {
        throw new IllegalArgumentException("rlhf.spark.conf \"" + k + "\": a line break cannot be passed to spark-submit");
      }
      lines.add(k + "=" + v);
    });
    return lines;
  }

  /**
   * The secret-looking settings of {@code rlhf.spark.conf} by name (the ones {@link #forCommand}
   * leaves out), sorted: what must not travel where others can read it.
   */
  public static List<String> secretSettings(Config conf) {
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : conf.getConfig("rlhf.spark.conf").entrySet()) {
      String name = SparkSessions.settingName(e.getKey());
      if (Secrets.isSecretKey(name)) {
        names.add(name);
      }
    }
    names.sort(null);
    return names;
  }

  private static void dropGpus(Map<String, String> settings) {
    settings.keySet().removeIf(k -> k.startsWith("spark.executor.resource.gpu.") || k.startsWith("spark.task.resource.gpu."));
  }

  private static double gpus(Map<String, String> settings) {
    String amount = settings.get(EXECUTOR_GPUS);
    try {
      return amount == null ? 0 : Double.parseDouble(amount);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("rlhf.spark.conf \"" + EXECUTOR_GPUS + "\" must be a number, found " + amount);
    }
  }
}
