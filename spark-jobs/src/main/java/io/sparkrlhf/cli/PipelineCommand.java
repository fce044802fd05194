package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import io.sparkrlhf.engine.Trainer;
import io.sparkrlhf.jobs.bestofn.BestOfNJob;
import io.sparkrlhf.jobs.dpo.DpoJob;
import io.sparkrlhf.jobs.eval.EvalJob;
import io.sparkrlhf.jobs.ppo.PpoJob;
import io.sparkrlhf.jobs.prepare.PrepareJob;
import io.sparkrlhf.jobs.reward.RewardJob;
import io.sparkrlhf.jobs.sft.SftJob;
import io.sparkrlhf.jobs.train.RunFlags;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import io.sparkrlhf.spark.CommandSession;
import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The embedded default, end to end on one machine: generate the sample dump (once), prepare it,
 * fine-tune the tiny model on it (SFT), train the reward model from the SFT result, then PPO the SFT
 * policy against that reward model. The
 * training stages replace their earlier output under the work directory.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "Run the pipeline on the embedded sample: generate-sample (if absent) -> prepare -> sft -> reward -> ppo "
        + "-> best-of-n and eval (SFT vs best-of-n vs PPO) [-> dpo with --with-dpo].")
public final class PipelineCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineCommand.class);

  @Mixin ConfigOptions config;

  @Option(names = "--with-dpo", description = "Also tune the SFT policy with DPO on the same pairs into <work>/dpo "
      + "(after PPO), and print its held-out implicit-reward accuracy beside the length-only baseline.")
  boolean withDpo;

  @Override
  public Integer call() {
    config.overrides.addAll(0, stageSettings(config.load().getStringList("rlhf.pipeline.stage-settings"), config.files));
    String work = config.load().getString("rlhf.pipeline.work-dir");
    String dump = work + "/sample/dump";
    String prepared = work + "/prepared";
    config.overrides.add(0, "sft.data=" + ConfigUtil.quoteString(prepared));
    config.overrides.add(1, "sft.output=" + ConfigUtil.quoteString(work + "/sft"));
    config.overrides.add(2, "reward.data=" + ConfigUtil.quoteString(prepared));
    config.overrides.add(3, "reward.output=" + ConfigUtil.quoteString(work + "/reward"));
    config.overrides.add(4, "reward.model=" + ConfigUtil.quoteString(work + "/sft"));
    config.overrides.add(5, "ppo.policy=" + ConfigUtil.quoteString(work + "/sft"));
    config.overrides.add(6, "ppo.reward=" + ConfigUtil.quoteString(work + "/reward"));
    config.overrides.add(7, "ppo.prompts=" + ConfigUtil.quoteString(prepared));
    config.overrides.add(8, "ppo.output=" + ConfigUtil.quoteString(work + "/ppo"));
    config.overrides.add(9, "dpo.data=" + ConfigUtil.quoteString(prepared));
    config.overrides.add(10, "dpo.policy=" + ConfigUtil.quoteString(work + "/sft"));
    config.overrides.add(11, "dpo.output=" + ConfigUtil.quoteString(work + "/dpo"));
    Config defaults = config.load().getConfig("rlhf.pipeline");
    int comparePrompts = defaults.getInt("compare-prompts");
    List<String> compare = List.of("best-of-n.policy=" + ConfigUtil.quoteString(work + "/sft"),
        "best-of-n.reward=" + ConfigUtil.quoteString(work + "/reward"),
        "best-of-n.prompts=" + ConfigUtil.quoteString(prepared), "best-of-n.split=eval",
        "best-of-n.max-prompts=" + comparePrompts, "best-of-n.n=" + defaults.getInt("compare-best-of-n"),
        "best-of-n.output=" + ConfigUtil.quoteString(work + "/best-of-n"),
        "eval.policy=" + ConfigUtil.quoteString(work + "/ppo"), "eval.baseline=" + ConfigUtil.quoteString(work + "/sft"),
        "eval.reward=" + ConfigUtil.quoteString(work + "/reward"), "eval.prompts=" + ConfigUtil.quoteString(prepared),
        "eval.split=eval", "eval.max-prompts=" + comparePrompts, "eval.output=" + ConfigUtil.quoteString(work + "/eval"));
    config.overrides.addAll(12, compare);
    Config conf = config.load();
    if (!new File(dump).isDirectory()) {
      LOG.info("pipeline: generating the sample dump in {}", dump);
      GenerateSampleCommand.generate(conf.getConfig("rlhf.sample"), dump, null, new Configuration());
    } else if (!GenerateSampleCommand.holdsCurrentSample(dump, conf.getConfig("rlhf.sample"), new Configuration())) {
      LOG.info("pipeline: the sample dump in {} was written by another generator version or with other options; "
          + "writing it again", dump);
      GenerateSampleCommand.generate(conf.getConfig("rlhf.sample"), dump, null, new Configuration());
    } else {
      LOG.info("pipeline: using the sample dump already in {}", dump);
    }
    PrepareSettings settings = PrepareCommand.settings(conf, List.of(dump), prepared);
    try (CommandSession session = CommandSession.open(conf.getConfig("rlhf.spark"))) {
      SparkSession spark = session.spark();
      session.logProgress("pipeline");
      new PrepareJob(spark, settings, PrepareJob.Hooks.NONE).run();
      LOG.info("pipeline: prepared tables are in {} (see {}/_manifest.json)", prepared, prepared);
      RunFlags replace = new RunFlags(false, true, -1, null);
      new SftJob(spark, conf, replace).run();
      Trainer.Result reward = new RewardJob(spark, conf, replace).run();
      reward.lastEvaluation().ifPresent(e -> LOG.info("pipeline: reward model held-out accuracy {} on {} pairs ({}/reward/eval.json)",
          String.format(java.util.Locale.ROOT, "%.3f", e.stats().accuracy()), e.stats().examples(), work));
      PpoJob.Summary ppo = new PpoJob(spark, conf, replace).run();
      LOG.info("pipeline: PPO {} ({}/ppo/eval.json)", PpoJob.describe(ppo), work);
      if (comparePrompts > 0 && ppo.result().finished()) {
        BestOfNJob.Summary bon = new BestOfNJob(spark, conf).run();
        EvalJob.Result eval = new EvalJob(spark, conf).run();
        LOG.info("pipeline: on {} eval prompts, reward-model score: SFT {} | best-of-{} of SFT {} | PPO {}; PPO wins {} "
                + "of prompts over SFT, KL {} ({}/eval/report.html)", eval.rows().size(),
            String.format(java.util.Locale.ROOT, "%.4f", eval.baseline().rewardMean()), bon.n(),
            String.format(java.util.Locale.ROOT, "%.4f", bon.bestMean()),
            String.format(java.util.Locale.ROOT, "%.4f", eval.policy().rewardMean()),
            String.format(java.util.Locale.ROOT, "%.3f", eval.winRate()),
            String.format(java.util.Locale.ROOT, "%.4f", eval.policy().klMean()), work);
      }
      if (withDpo) {
        DpoJob.Summary dpo = new DpoJob(spark, conf, replace).run();
        LOG.info("pipeline: DPO {} ({}/dpo/eval.json)", DpoJob.describe(dpo), work);
      }
      return 0;
    }
  }

  /** {@code pipeline.stage-settings}, less the keys the user's -c files set (those win, as --set does). */
  static List<String> stageSettings(List<String> settings, List<File> files) {
    List<String> out = new java.util.ArrayList<>();
    for (String setting : settings) {
      String key = com.typesafe.config.ConfigFactory.parseString(setting).entrySet().iterator().next().getKey();
      boolean inAFile = files.stream().map(com.typesafe.config.ConfigFactory::parseFile)
          .anyMatch(f -> f.hasPath("rlhf." + key));
      if (!inAFile) {
        out.add(setting);
      }
    }
    return out;
  }
}
