package io.sparkrlhf.cli;

import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.appender.RollingFileAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;

/** Where log4j writes the log, so that a failure message can say where its trace is. */
final class LogFiles {
  private LogFiles() {}

  /** The file the CLI's own logger writes to; empty when it logs to the console only (or log4j is not in use). */
  static Optional<String> current() {
    try {
      if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
        return Optional.empty();
      }
      // The logger's own appenders, then its parents' for as long as it passes events up (additivity).
      for (LoggerConfig config = context.getConfiguration().getLoggerConfig(RlhfCli.class.getName()); config != null;
          config = config.isAdditive() ? config.getParent() : null) {
        for (Appender appender : config.getAppenders().values()) {
          if (appender instanceof FileAppender file) {
            return Optional.of(file.getFileName());
          }
          if (appender instanceof RollingFileAppender rolling) {
            return Optional.of(rolling.getFileName());
          }
        }
      }
      return Optional.empty();
    } catch (LinkageError e) { // log4j-core absent: another logging backend
      return Optional.empty();
    }
  }
}
