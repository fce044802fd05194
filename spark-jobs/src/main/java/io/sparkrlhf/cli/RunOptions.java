package io.sparkrlhf.cli;

import com.typesafe.config.ConfigUtil;
import io.sparkrlhf.jobs.train.RunFlags;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options of the training commands: where to read and write, and what to do with an earlier run. */
public final class RunOptions {
  @Option(names = {"-d", "--data"}, paramLabel = "PATH", description = "Prepared tables (root); replaces <job>.data.")
  String data;

  @Option(names = {"-o", "--output"}, paramLabel = "PATH", description = "Run directory; replaces <job>.output.")
  String output;

  @Option(names = "--resume", description = "Continue from the newest committed checkpoint in the output directory.")
  boolean resume;

  @Option(names = "--overwrite", description = "Delete an earlier run in the output directory first.")
  boolean overwrite;

  @Option(names = "--stop-after", paramLabel = "STEPS", defaultValue = "-1",
      description = "Checkpoint and stop after this many steps (a time-boxed slot; -1: run to the end). A success (exit 0) "
          + "printing status=stopped; continue later with --resume.")
  long stopAfter;

  /** key=value overrides for the section {@code job} (sft, reward). */
  List<String> overrides(String job) {
    List<String> out = new ArrayList<>();
    if (data != null) {
      out.add(job + ".data=" + ConfigUtil.quoteString(data));
    }
    if (output != null) {
      out.add(job + ".output=" + ConfigUtil.quoteString(output));
    }
    return out;
  }

  RunFlags flags() {
    return new RunFlags(resume, overwrite, stopAfter, null);
  }
}
