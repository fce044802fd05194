package io.sparkrlhf.jobs.sft;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.datasets.tables.SftPackedTable;
import io.sparkrlhf.datasets.tables.TableSet;
import io.sparkrlhf.engine.Trainer;
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
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

/** {@code rlhf sft}: causal-LM fine-tuning on {@code sft_packed}, full or LoRA, with eval loss and perplexity. */
public final class SftJob {
  private final SparkSession spark;
  private final Config conf;
  private final RunFlags flags;

  public SftJob(SparkSession spark, Config conf, RunFlags flags) {
    this.spark = spark;
    this.conf = conf;
    this.flags = flags;
  }

  public Trainer.Result run() {
    TrainingSettings s = TrainingSettings.from(conf, "sft");
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    PreparedDataset data = PinnedData.open(s.data(), "data (-d)", s.output(), flags.resume(), hadoop);
    JsonNode tokenizer = data.manifest().path("tokenizer");
    String model = conf.getString("rlhf.model.path");
    ModelSpec spec = ModelChoice.resolve(conf, model, s, tokenizer, hadoop);
    TokenizerCheck.requireSame(data, s.data(), spec, hadoop);
    ModelChoice.checkFits(spec.config(), tokenizer, data.manifest().path("seq_len").asInt(), "a packed block (seq_len)");
    TrainingRun.prepareOutput(spark, OutputKind.SFT, s.output(),
        CommandInput.given(new CommandInput("data input (-d)", s.data()), new CommandInput("model (-m)", model)), flags,
        data);
    spec = TrainingRun.materializeFreshBase(spec, s.output(), hadoop).withTokenizer(CarriedTokenizer.of(data));

    JavaRDD<SftExample> train = TrainingRun.examples(spark, data, SftPackedTable.NAME, TableSet.TRAIN, 0, SftExample::fromRow);
    JavaRDD<SftExample> eval =
        TrainingRun.examples(spark, data, SftPackedTable.NAME, TableSet.EVAL, s.evalMaxExamples(), SftExample::fromRow);
    return TrainingRun.train(spark, "sft", s, new SftObjective(spec), spec, train, eval, flags,
        Map.of("data_generation", data.generation()));
  }
}
