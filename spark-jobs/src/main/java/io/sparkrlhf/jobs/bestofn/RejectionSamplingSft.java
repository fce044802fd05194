package io.sparkrlhf.jobs.bestofn;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import io.sparkrlhf.datasets.io.ParquetChecksums;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.output.CommandInput;
import io.sparkrlhf.jobs.output.OutputKind;
import io.sparkrlhf.jobs.sft.SftExample;
import io.sparkrlhf.jobs.sft.SftObjective;
import io.sparkrlhf.jobs.train.CarriedTokenizer;
import io.sparkrlhf.jobs.train.ModelChoice;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.jobs.train.TrainingRun;
import io.sparkrlhf.jobs.train.TrainingSettings;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Llama 2's rejection-sampling fine-tuning: the policy trained with SFT's objective on its own best
 * responses (prompt + best response; the loss on the response tokens only, EOS included where the
 * response ended with it), with {@code rlhf.sft}'s optimizer, LoRA and step settings. Its output is
 * an SFT run, so it can be sampled from again (iterated) or handed to PPO.
 */
public final class RejectionSamplingSft {
  private RejectionSamplingSft() {}

  public static Trainer.Result run(SparkSession spark, Config conf, BestOfNSettings s, PreparedDataset data,
      String table, int padTokenId) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Config withOutput = conf.withValue("rlhf.sft.output", ConfigValueFactory.fromAnyRef(s.sftRunOutput()))
        .withValue("rlhf.sft.data", ConfigValueFactory.fromAnyRef(s.prompts()));
    TrainingSettings t = TrainingSettings.from(withOutput, "sft");
    ModelSpec spec = ModelChoice.resolve(withOutput, s.policy(), t, data.manifest().path("tokenizer"), hadoop);
    TrainingRun.prepareOutput(spark, OutputKind.SFT, t.output(), CommandInput.given(
        new CommandInput("policy (--policy)", s.policy()), new CommandInput("prompts (--prompts)", s.prompts())),
        new RunFlags(false, true, -1, null));
    spec = TrainingRun.materializeFreshBase(spec, t.output(), hadoop).withTokenizer(CarriedTokenizer.of(data));
    JavaRDD<Row> rows = ParquetChecksums.reader(spark).parquet(table).javaRDD();
    int width = rows.map(RejectionSamplingSft::length).reduce(Math::max);
    JavaRDD<SftExample> examples = rows.map(r -> example(r, width, padTokenId));
    return TrainingRun.train(spark, "sft", t, new SftObjective(spec), spec, examples, null, RunFlags.FRESH,
        Map.of("rejection_sampling", Map.of("best_of_n", s.output(), "n", s.n())));
  }

  private static int length(Row r) {
    return ints(r.getList(r.fieldIndex(BestOfNTable.PROMPT_IDS))).length + best(r).length;
  }

  private static int[] best(Row r) {
    List<Object> responses = r.getList(r.fieldIndex(BestOfNTable.RESPONSE_IDS));
    return ints(responses.get(r.getInt(r.fieldIndex(BestOfNTable.BEST))));
  }

  /**
   * prompt + best response, right-padded to {@code width}: the padding is a document of its own (so no
   * real token attends to it) and, like the prompt, not predicted.
   */
  static SftExample example(Row r, int width, int pad) {
    int[] prompt = ints(r.getList(r.fieldIndex(BestOfNTable.PROMPT_IDS)));
    int[] response = best(r);
    return example(prompt, response, width, pad);
  }

  static SftExample example(int[] prompt, int[] response, int width, int pad) {
    int[] ids = new int[width];
    int[] docs = new int[width];
    int[] loss = new int[width];
    for (int i = 0; i < width; i++) {
      boolean inPrompt = i < prompt.length;
      boolean inResponse = !inPrompt && i < prompt.length + response.length;
      ids[i] = inPrompt ? prompt[i] : inResponse ? response[i - prompt.length] : pad;
      docs[i] = inPrompt || inResponse ? 0 : 1;
      loss[i] = inResponse ? 1 : 0;
    }
    return new SftExample(ids, docs, loss);
  }

  /** A Parquet int array: a Java list at the top level, a Scala sequence inside another array. */
  private static int[] ints(Object values) {
    List<?> list = values instanceof scala.collection.Seq<?> seq ? scala.jdk.javaapi.CollectionConverters.asJava(seq)
        : (List<?>) values;
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) list.get(i)).intValue();
    }
    return out;
  }
}
