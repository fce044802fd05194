package io.sparkrlhf.cli;

import io.sparkrlhf.engine.Trainer;
import java.io.PrintWriter;

/**
 * The last line a training command prints on standard output: whether the run finished or stopped
 * as asked ({@code --stop-after}), at which step, and its newest committed checkpoint. Both are a
 * success (exit code 0): a scheduler must not retry a deliberate stop, and a script tells the two
 * apart by this line ({@code status=finished} or {@code status=stopped}).
 */
final class RunStatus {
  private RunStatus() {}

  static String line(String job, Trainer.Result result) {
    String checkpoint = result.lastCheckpoint().map(c -> c.path().toString()).orElse("none");
    if (result.finished()) {
      return "rlhf " + job + ": status=finished step=" + result.step() + " checkpoint=" + checkpoint;
    }
    return "rlhf " + job + ": status=stopped step=" + result.step() + " checkpoint=" + checkpoint
        + " (stopped as asked by --stop-after; continue with --resume)";
  }

  /** Prints the status line and returns the exit code: {@link ExitCodes#OK} for a finished and a stopped run. */
  static int report(String job, Trainer.Result result, PrintWriter out) {
    out.println(line(job, result));
    out.flush();
    return ExitCodes.OK;
  }
}
