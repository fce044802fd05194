package io.sparkrlhf.jobs.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.datasets.io.ParquetChecksums;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.CheckpointStore;
import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.Objective;
import io.sparkrlhf.engine.SparkStepRunner;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.engine.TrainerOptions;
import io.sparkrlhf.jobs.output.CommandInput;
import io.sparkrlhf.jobs.output.FolderContents;
import io.sparkrlhf.jobs.output.OutputGuard;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.SeededInit;
import io.sparkrlhf.spark.CodeVersion;
import io.sparkrlhf.spark.TrainingCluster;
import io.sparkrlhf.storage.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.tables.TableSet;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the sft and reward jobs share: the output directory's life cycle, the training data on
 * the cluster, the engine, and the run's results ({@code eval.json}, then {@code _manifest.json},
 * written last, naming the final checkpoint for the next stage).
 */
public final class TrainingRun {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String EVAL_FILE = "eval.json";
  public static final String BASE_MODEL_DIR = "base-model";
  /**
   * Spark setting: false makes local mode ship trainable values by broadcast and gradients as task
   * results, as a cluster does (default true: in local mode they stay in the driver's memory).
   */
  public static final String LOCAL_HANDOFF = "spark.rlhf.localHandoff";

  private TrainingRun() {}

  /**
   * Claims the output directory before anything is computed: an earlier run of the same kind there
   * is continued (resume), removed (overwrite), or an error; anything else that is not empty, and
   * any of the run's inputs, is refused (see {@link OutputGuard}). The directory gets
   * {@code _run.json} naming the run's kind at once, so that an unfinished run says what it is
   * ({@code _manifest.json} stays the commit: it is written only when the run finishes).
   */
  public static void prepareOutput(SparkSession spark, OutputKind kind, String output, List<CommandInput> inputs,
      RunFlags flags) {
    prepareOutput(spark, kind, output, inputs, flags, null);
  }

  /**
   * As above, recording in a new {@code _run.json} the generation folder the run trains on
   * ({@link PinnedData}), so that resuming it reads the same data.
   */
  public static void prepareOutput(SparkSession spark, OutputKind kind, String output, List<CommandInput> inputs,
      RunFlags flags, PreparedDataset data) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    OutputGuard.Action action =
        OutputGuard.claim(kind, output, inputs, flags.resume(), flags.overwrite(), conf);
    Path root = new Path(output);
    Path started = new Path(root, FolderContents.RUN_FILE);
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (action == OutputGuard.Action.REPLACE) {
        LOG.info("removing the earlier {} run in {} (--overwrite)", kind.manifestValue(), output);
        fs.delete(root, true);
      }
      if (!fs.exists(started)) {
        ObjectNode m = JSON.createObjectNode();
        m.put("format_version", 1);
        m.put(OutputKind.FIELD, kind.manifestValue());
        m.put("started_at", Instant.now().toString());
        if (data != null) {
          m.put(PinnedData.FIELD, data.location());
        }
        AtomicFiles.replace(fs, started, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the output directory " + output + ": " + e.getMessage(), e);
    }
  }

  /**
   * LoRA on a fresh model needs its base on shared storage: it is written once to
   * {@code <output>/base-model} (a Hugging Face directory the adapters then name as their base).
   */
  public static ModelSpec materializeFreshBase(ModelSpec spec, String output, Configuration conf) {
    if (spec.basePath() != null || spec.lora() == null) {
      return spec;
    }
    Path target = new Path(output, BASE_MODEL_DIR);
    try {
      FileSystem fs = target.getFileSystem(conf);
      if (!fs.exists(new Path(target, "config.json"))) {
        java.nio.file.Path local = Files.createTempDirectory("rlhf-base-");
        try (NDManager manager = NDManager.newBaseManager()) {
          DecoderLM model = new DecoderLM(spec.config());
          model.initialize(manager, spec.dataType(), new ai.djl.ndarray.types.Shape(1, 1));
          SeededInit.apply(model.hfParameters(), spec.initSeed());
          HfModelDirectory.save(model, local, DType.F32, 4L << 30, null);
        }
        try (var files = Files.list(local)) {
          for (java.nio.file.Path f : files.toList()) {
            fs.copyFromLocalFile(true, true, new Path(f.toUri()), new Path(target, f.getFileName().toString()));
          }
        }
        Files.deleteIfExists(local);
        LOG.info("fresh base model for the adapters written to {}", target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the fresh base model to " + target + ": " + e.getMessage(), e);
    }
    return ModelSpec.at(target.toString(), conf, spec.precision(), spec.lora(), spec.loraSeed());
  }

  /**
   * A split of a prepared table as examples; null for an empty eval split (a small sample may have
   * none). {@code limit} > 0 keeps that many rows.
   */
  public static <E> JavaRDD<E> examples(SparkSession spark, PreparedDataset data, String table, String split, int limit,
      Function<Row, E> fromRow) {
    Dataset<Row> rows = ParquetChecksums.reader(spark).parquet(data.table(TableSet.path(table, split)));
    if (limit > 0) {
      rows = rows.limit(limit);
    }
    if (split.equals(TableSet.EVAL) && rows.isEmpty()) {
      return null;
    }
    return rows.javaRDD().map(fromRow);
  }

  /** Partitions to train on: as configured, or one per executor slot for a whole-executor task. */
  public static int partitions(SparkSession spark, TrainingSettings s) {
    return partitions(spark, s.partitions());
  }

  /**
   * {@code configured} partitions, or (0) one per executor slot for a whole-executor task, once the
   * executors asked for have registered. A fixed count keeps a run's numbers the same bits on any
   * number of executors.
   */
  public static int partitions(SparkSession spark, int configured) {
    TrainingCluster.prepare(spark.sparkContext());
    if (configured > 0) {
      return configured;
    }
    int taskCpus = Integer.parseInt(spark.conf().get("spark.task.cpus", "1"));
    return Math.max(1, spark.sparkContext().defaultParallelism() / taskCpus);
  }

  /** Whether local mode keeps values and gradients in the driver's memory ({@link #LOCAL_HANDOFF}). */
  public static boolean localHandoff(SparkSession spark) {
    return Boolean.parseBoolean(spark.conf().get(LOCAL_HANDOFF, "true"));
  }

  /** Trains {@code objective} on the given examples and records the run's results. */
  public static <E> Trainer.Result train(SparkSession spark, String kind, TrainingSettings s, Objective<E> objective,
      ModelSpec spec, JavaRDD<E> trainRows, JavaRDD<E> evalRows, RunFlags flags, Map<String, Object> about) {
    return train(spark, kind, s, objective, spec, trainRows, evalRows, flags, about, Map.of());
  }

  /** As above; {@code evalAbout} joins eval.json (a baseline measured on the same eval examples). */
  public static <E> Trainer.Result train(SparkSession spark, String kind, TrainingSettings s, Objective<E> objective,
      ModelSpec spec, JavaRDD<E> trainRows, JavaRDD<E> evalRows, RunFlags flags, Map<String, Object> about,
      Map<String, Object> evalAbout) {
    return train(spark, kind, s, objective, spec, trainRows, evalRows, flags, about, evalAbout, r -> r);
  }

  /** As above; {@code objectiveSettings} adds the objective's own keys to what checkpoints record for --resume. */
  public static <E> Trainer.Result train(SparkSession spark, String kind, TrainingSettings s, Objective<E> objective,
      ModelSpec spec, JavaRDD<E> trainRows, JavaRDD<E> evalRows, RunFlags flags, Map<String, Object> about,
      Map<String, Object> evalAbout, java.util.function.UnaryOperator<io.sparkrlhf.engine.RunSettings> objectiveSettings) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int partitions = partitions(spark, s);
    String runId = kind + "-" + UUID.randomUUID().toString().substring(0, 8);
    DistributedData<E> train = DistributedData.of(trainRows, partitions, kind + " train");
    DistributedData<E> eval = evalRows == null ? null : DistributedData.of(evalRows, partitions, kind + " eval");
    LOG.info("{}: {} training and {} eval examples in {} partitions; run {}", kind, train.size(),
        eval == null ? 0 : eval.size(), partitions, runId);
    try (SparkStepRunner<E> runner = new SparkStepRunner<>(sc, runId, objective, train, eval, s.globalBatch(),
        s.microBatch(), s.seed(), flags.failure()).withLocalHandoff(localHandoff(spark))) {
      TrainerOptions general = s.trainerOptions(runner.plan().stepsPerEpoch(), flags.resume(), flags.stopAfter());
      TrainerOptions options = general.withSettings(objectiveSettings.apply(general.settings()));
      Trainer.Result result = new Trainer(kind, runId, s.output(), spark.sparkContext().hadoopConfiguration(), objective,
          runner, options).run();
      if (result.finished()) {
        commitResults(spark, kind, s, spec, objective, result, about, evalAbout);
      }
      return result;
    } finally {
      train.unpersist();
      if (eval != null) {
        eval.unpersist();
      }
    }
  }

  private static void commitResults(SparkSession spark, String kind, TrainingSettings s, ModelSpec spec,
      Objective<?> objective, Trainer.Result result, Map<String, Object> about, Map<String, Object> evalAbout) {
    try {
      FileSystem fs = new Path(s.output()).getFileSystem(spark.sparkContext().hadoopConfiguration());
      ObjectNode eval = JSON.createObjectNode();
      result.lastEvaluation().ifPresent(last -> describe(eval, last.step(), last.stats(), objective));
      evalAbout.forEach((k, v) -> eval.putPOJO(k, v));
      ArrayNode history = eval.putArray("history");
      for (Trainer.Evaluation e : result.evaluations()) {
        describe(history.addObject(), e.step(), e.stats(), objective);
      }
      AtomicFiles.replace(fs, new Path(s.output(), EVAL_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(eval));

      ObjectNode m = JSON.createObjectNode();
      m.put("format_version", 1);
      m.put(OutputKind.FIELD, kind);
      m.put("final_checkpoint", CheckpointStore.DIR + "/" + CheckpointStore.name(result.step()));
      m.put("steps", result.step());
      m.put("skipped_steps", result.skippedSteps());
      m.put("base_model", spec.describeBase());
      m.put("training", spec.lora() == null ? "full" : "lora");
      m.put("data", s.data());
      about.forEach((k, v) -> m.putPOJO(k, v));
      m.set("eval", eval.deepCopy().without("history"));
      m.put("created_at", Instant.now().toString());
      m.putPOJO("code_version", CodeVersion.current());
      AtomicFiles.replace(fs, new Path(s.output(), ModelSpec.OUTPUT_MANIFEST),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
      LOG.info("{}: finished after {} steps; the model is {}/{}", kind, result.step(), s.output(),
          m.path("final_checkpoint").asText());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the results of " + kind + " to " + s.output() + ": " + e.getMessage(), e);
    }
  }

  private static void describe(ObjectNode n, long step, BatchStats stats, Objective<?> objective) {
    n.put("step", step);
    n.put("loss", stats.loss());
    objective.describe(stats, "", n);
    if (objective.reportsAccuracy()) {
      n.put("accuracy", stats.accuracy());
      n.put("pairs", stats.examples());
    } else {
      n.put("perplexity", Math.exp(stats.loss()));
      n.put("examples", stats.examples());
      n.put("tokens", stats.weight());
    }
  }
}
