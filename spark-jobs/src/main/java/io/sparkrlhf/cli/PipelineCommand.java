package io.sparkrlhf.cli;

import com.typesafe.config.Config;
import io.sparkrlhf.jobs.prepare.PrepareJob;
import io.sparkrlhf.jobs.prepare.PrepareSettings;
import io.sparkrlhf.spark.SparkSessions;
import io.sparkrlhf.spark.StageProgressLogger;
import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The embedded default, end to end on one machine: generate the sample dump (once), then prepare
 * it. The training stages join this command as they land.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "Run the pipeline on the embedded sample: generate-sample (if absent) -> prepare.")
public final class PipelineCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineCommand.class);

  @Mixin ConfigOptions config;

  @Override
  public Integer call() {
    Config conf = config.load();
    String work = conf.getString("rlhf.pipeline.work-dir");
    String dump = work + "/sample/dump";
    String prepared = work + "/prepared";
    if (!new File(dump).isDirectory()) {
      LOG.info("pipeline: generating the sample dump in {}", dump);
      GenerateSampleCommand.generate(conf.getConfig("rlhf.sample"), dump, null, new Configuration());
    } else {
      LOG.info("pipeline: using the sample dump already in {}", dump);
    }
    PrepareSettings settings = PrepareCommand.settings(conf, List.of(dump), prepared);
    SparkSession spark = SparkSessions.create(conf.getConfig("rlhf.spark"));
    try {
      spark.sparkContext().addSparkListener(new StageProgressLogger("pipeline", 15_000));
      new PrepareJob(spark, settings, PrepareJob.Hooks.NONE).run();
      LOG.info("pipeline: prepared tables are in {} (see {}/_manifest.json)", prepared, prepared);
      return 0;
    } finally {
      spark.stop();
    }
  }
}
