package io.sparkrlhf.jobs.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.tables.PreferencePairsTable;
import io.sparkrlhf.datasets.tables.TableSet;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.baselines.BagOfWordsBaseline;
import io.sparkrlhf.jobs.baselines.LengthBaseline;
import io.sparkrlhf.jobs.output.CommandInput;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.jobs.train.CarriedTokenizer;
import io.sparkrlhf.jobs.train.ModelChoice;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.PinnedData;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.jobs.train.TokenizerCheck;
import io.sparkrlhf.jobs.train.TrainingRun;
import io.sparkrlhf.jobs.train.TrainingSettings;
import io.sparkrlhf.model.config.ModelConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rlhf reward}: a reward model (transformer + score head, from a checkpoint, normally SFT's
 * output) on {@code preference_pairs}; held-out pairwise accuracy every N steps and at the end,
 * in eval.json, beside what a length-only and a bag-of-words rule score on the same pairs.
 */
public final class RewardJob {
  private static final Logger LOG = LoggerFactory.getLogger(RewardJob.class);
  private final SparkSession spark;
  private final Config conf;
  private final RunFlags flags;

  public RewardJob(SparkSession spark, Config conf, RunFlags flags) {
    this.spark = spark;
    this.conf = conf;
    this.flags = flags;
  }

  public Trainer.Result run() {
    TrainingSettings s = TrainingSettings.from(conf, "reward");
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    PreparedDataset data = PinnedData.open(s.data(), "data (-d)", s.output(), flags.resume(), hadoop);
    JsonNode tokenizer = data.manifest().path("tokenizer");
    int maxLength = conf.getInt("rlhf.reward.max-length");
    String start = conf.getString("rlhf.reward.model");
    ModelSpec spec = ModelChoice.resolve(conf, start, s, tokenizer, hadoop);
    TokenizerCheck.requireSame(data, s.data(), spec, hadoop);
    ModelConfig model = spec.config();
    ModelChoice.checkFits(model, tokenizer, maxLength, "rlhf.reward.max-length");
    TrainingRun.prepareOutput(spark, OutputKind.REWARD, s.output(),
        CommandInput.given(new CommandInput("data input (-d)", s.data()), new CommandInput("model (-m)", start)), flags,
        data);
    spec = TrainingRun.materializeFreshBase(spec, s.output(), hadoop).withTokenizer(CarriedTokenizer.of(data));
    int pad = model.padTokenId() != null ? model.padTokenId() : model.eosTokenId() != null ? model.eosTokenId() : 0;
    RewardObjective objective = new RewardObjective(spec, maxLength, conf.getDouble("rlhf.reward.margin-scale"), pad,
        s.seed() + 2);

    JavaRDD<PreferencePair> train = TrainingRun.examples(spark, data, PreferencePairsTable.NAME, TableSet.TRAIN, 0, PreferencePair::fromRow);
    JavaRDD<PreferencePair> eval =
        TrainingRun.examples(spark, data, PreferencePairsTable.NAME, TableSet.EVAL, s.evalMaxExamples(), PreferencePair::fromRow);
    return TrainingRun.train(spark, "reward", s, objective, spec, train, eval, flags,
        Map.of("data_generation", data.generation(), "max_length", maxLength),
        eval == null ? Map.of() : baselines(train, eval, conf.getInt("rlhf.reward.bow-baseline-train-pairs")));
  }

  /** The trivial rules' held-out accuracy on the pairs the model is evaluated on. */
  static Map<String, Object> baselines(JavaRDD<PreferencePair> train, JavaRDD<PreferencePair> eval, int bowTrainPairs) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("length_baseline_accuracy", LengthBaseline.accuracy(eval));
    if (bowTrainPairs > 0) {
      BagOfWordsBaseline bow = BagOfWordsBaseline.fit(responses(train, bowTrainPairs));
      out.put("bow_baseline_accuracy", bow.accuracy(eval));
    }
    LOG.info("reward: on the held-out pairs, trivial baselines score {}", out);
    return out;
  }

  /** The first {@code limit} pairs' responses, on the driver. */
  private static List<BagOfWordsBaseline.Responses> responses(JavaRDD<PreferencePair> pairs, int limit) {
    return pairs.map(p -> new BagOfWordsBaseline.Responses(p.chosen(), p.rejected())).take(limit);
  }
}
