package io.sparkrlhf.jobs.dpo;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.tables.PreferencePairsTable;
import io.sparkrlhf.datasets.tables.TableSet;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.baselines.LengthBaseline;
import io.sparkrlhf.jobs.output.CommandInput;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.jobs.reward.PreferencePair;
import io.sparkrlhf.jobs.train.CarriedTokenizer;
import io.sparkrlhf.jobs.train.MergedBase;
import io.sparkrlhf.jobs.train.ModelChoice;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.jobs.train.TokenizerCheck;
import io.sparkrlhf.jobs.train.TrainingRun;
import io.sparkrlhf.jobs.train.TrainingSettings;
import io.sparkrlhf.model.config.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rlhf dpo}: Direct Preference Optimization of a policy (normally SFT's output) on
 * {@code preference_pairs}, no reward model. The held-out implicit-reward accuracy goes to
 * eval.json beside the length-only baseline on the same pairs (the longer response called chosen).
 */
public final class DpoJob {
  private static final Logger LOG = LoggerFactory.getLogger(DpoJob.class);

  private final SparkSession spark;
  private final Config conf;
  private final RunFlags flags;

  /** A run's result, and the length-only baseline's accuracy on the held-out pairs (NaN without them). */
  public record Summary(Trainer.Result result, double lengthBaseline) {}

  public DpoJob(SparkSession spark, Config conf, RunFlags flags) {
    this.spark = spark;
    this.conf = conf;
    this.flags = flags;
  }

  public Summary run() {
    TrainingSettings s = TrainingSettings.from(conf, "dpo");
    DpoSettings d = DpoSettings.from(conf);
    if (s.model().isBlank()) {
      throw new IllegalArgumentException("rlhf.dpo.policy must be set (--policy): the model to tune, normally SFT's "
          + "output (a run, model or adapter directory)");
    }
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    PreparedDataset data = PreparedDataset.open(s.data(), hadoop);
    requirePairs(data, s.data(), hadoop);
    JsonNode tokenizer = data.manifest().path("tokenizer");
    ModelSpec spec = ModelChoice.resolve(conf, s.model(), s, tokenizer, hadoop);
    TokenizerCheck.requireSame(data, s.data(), spec, hadoop);
    ModelConfig model = spec.config();
    ModelChoice.checkFits(model, tokenizer, d.truncation().maxLength(), "rlhf.dpo.max-length");
    TrainingRun.prepareOutput(spark, OutputKind.DPO, s.output(), CommandInput.given(
        new CommandInput("pairs (--pairs)", s.data()), new CommandInput("policy (--policy)", s.model())), flags);
    spec = MergedBase.materialize(spec, s.output(), hadoop, "dpo").withTokenizer(CarriedTokenizer.of(data));
    int pad = model.padTokenId() != null ? model.padTokenId() : model.eosTokenId() != null ? model.eosTokenId() : 0;

    DpoTruncation truncation = d.truncation();
    JavaRDD<DpoExample> train = TrainingRun.examples(spark, data, PreferencePairsTable.NAME, TableSet.TRAIN, 0,
        row -> DpoExample.of(truncation.apply(PreferencePair.fromRow(row))));
    JavaRDD<PreferencePair> heldOut = TrainingRun.examples(spark, data, PreferencePairsTable.NAME, TableSet.EVAL,
        s.evalMaxExamples(), PreferencePair::fromRow);
    // The baseline sees the whole responses: their full lengths, not what truncation leaves of them.
    double lengthBaseline = heldOut == null ? Double.NaN : LengthBaseline.accuracy(heldOut);
    JavaRDD<DpoExample> eval = heldOut == null ? null : heldOut.map(p -> DpoExample.of(truncation.apply(p)));
    DpoObjective.Reference reference = DpoObjective.Reference.choose(spec, d.precomputeRefLogps());
    JavaRDD<DpoExample> precomputedTrain = null;
    JavaRDD<DpoExample> precomputedEval = null;
    try {
      if (reference == DpoObjective.Reference.PRECOMPUTED) {
        ReferenceObjective ref = new ReferenceObjective(spec, d.loss().kind().averagesTokens(), pad);
        LOG.info("dpo: precomputing the reference log-probs of the pairs (one pass, before training)");
        train = precomputedTrain = ReferenceLogps.attach(train, ref, s.microBatch(), "dpo train");
        if (eval != null) {
          eval = precomputedEval = ReferenceLogps.attach(eval, ref, s.microBatch(), "dpo eval");
        }
      }
      DpoObjective objective = new DpoObjective(spec, d.loss(), reference, pad);
      Map<String, Object> about = new LinkedHashMap<>();
      about.put("data_generation", data.generation());
      about.put("loss_type", d.loss().kind().name().toLowerCase(Locale.ROOT));
      about.put("beta", d.loss().beta());
      about.put("label_smoothing", d.loss().labelSmoothing());
      about.put("reference", reference.name().toLowerCase(Locale.ROOT));
      about.put("max_length", truncation.maxLength());
      about.put("max_prompt_length", truncation.maxPromptLength());
      Map<String, Object> evalAbout = Double.isNaN(lengthBaseline) ? Map.of()
          : Map.of("length_baseline_accuracy", lengthBaseline);
      Trainer.Result result = TrainingRun.train(spark, "dpo", s, objective, spec, train, eval, flags, about, evalAbout,
          d::record);
      Summary summary = new Summary(result, lengthBaseline);
      if (result.finished()) {
        LOG.info("dpo: {}", describe(summary));
      }
      return summary;
    } finally {
      if (precomputedTrain != null) {
        precomputedTrain.unpersist(false);
      }
      if (precomputedEval != null) {
        precomputedEval.unpersist(false);
      }
    }
  }

  private static void requirePairs(PreparedDataset data, String root, Configuration conf) {
    String table = data.table(TableSet.path(PreferencePairsTable.NAME, TableSet.TRAIN));
    try {
      Path path = new Path(table);
      if (!path.getFileSystem(conf).exists(path)) {
        throw new IllegalArgumentException("the prepared data at " + root + " has no " + PreferencePairsTable.NAME
            + " table (" + table + " is missing): DPO trains on preference pairs; prepare them with `rlhf prepare` "
            + "from a dump or a paired table");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + table + ": " + e.getMessage(), e);
    }
  }

  /** One line: the held-out implicit-reward accuracy beside the length-only baseline. */
  public static String describe(Summary s) {
    return s.result().lastEvaluation().map(e -> String.format(Locale.ROOT, "held-out implicit-reward accuracy %.3f on "
            + "%d pairs (length-only baseline %.3f), reward margin %.3f", e.stats().accuracy(), e.stats().examples(),
        s.lengthBaseline(), (e.stats().extra(DpoObjective.REWARDS_CHOSEN) - e.stats().extra(DpoObjective.REWARDS_REJECTED))
            / e.stats().examples())).orElse("no held-out pairs to evaluate on");
  }
}
