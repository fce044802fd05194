package io.sparkrlhf.cli;

/** The exit codes of the {@code rlhf} command (the README's "What happens when things go wrong" lists them). */
public final class ExitCodes {
  /** Done; the output is committed. */
  public static final int OK = 0;
  /** Anything unforeseen (a bug, lost executors, memory): one line here, the trace in the log. */
  public static final int FAILED = 1;
  /** Refused: bad arguments, configuration or input, found before or while running; nothing committed. */
  public static final int REFUSED = 2;
  // 3 is not used: a run stopped as asked (--stop-after) is a success (0) whose output says
  // status=stopped (RunStatus); it was 3 before, which made Airflow fail and retry the task.
  /**
   * A data file cannot be read: a corrupt or truncated compressed dump, a Parquet page whose bytes
   * changed after it was written. Retrying will not help; restore or rewrite the file named.
   */
  public static final int UNREADABLE_FILE = 4;
  /**
   * A training run diverged: its evaluation or weights were not finite, or more steps in a row than
   * {@code max-skipped-steps} were skipped. Nothing non-finite was committed.
   */
  public static final int DIVERGED = 5;

  private ExitCodes() {}
}
